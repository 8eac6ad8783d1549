// Keeps a list view of the user's batches or schedules live from the task feed: while the view is
// shown, a change of one of the user's tasks that belongs to an item on the page, or to an item not
// seen before (a new batch or schedule), reads the list again, at most every 1.5 s. One request then
// refreshes every row that changed and brings in new items.
import { terminal } from './format.js';
import { Throttle } from './throttle.js';

export class ListFollower {
  /**
   * @param keyOf the item a task belongs to (its `batch_id` or `schedule_id`), or null
   * @param everyChange false when only a task's start, status changes and end matter to the list
   * @param reload reads the list again and answers the keys now on the page
   */
  constructor(feed, { keyOf, everyChange, reload }) {
    this.feed = feed;
    this.keyOf = keyOf;
    this.everyChange = everyChange;
    this.visible = false;
    this.onPage = new Set();
    this.notOnPage = new Set();
    this.statusOf = new Map();
    this.reload = new Throttle(async () => { this.onPage = new Set(await reload()); }, 1500);
    feed.subscribe(this);
  }

  /** Notes the keys shown after a load of the view. */
  showing(keys) {
    this.onPage = new Set(keys);
  }

  onTask(task) {
    const key = this.keyOf(task);
    if (!this.visible || !key || task.owner_id !== this.feed.ownerId || !this.#matters(task)) return;
    if (this.onPage.has(key)) {
      this.reload.request();
    } else if (!this.notOnPage.has(key)) {
      // An item that is not on the page after the reload (an old one) does not ask again.
      this.notOnPage.add(key);
      this.reload.request();
    }
  }

  onResync() {
    if (this.visible) this.reload.request();
  }

  #matters(task) {
    if (this.everyChange) return true;
    const before = this.statusOf.get(task.task_id);
    if (terminal.has(task.status)) this.statusOf.delete(task.task_id);
    else this.statusOf.set(task.task_id, task.status);
    return before !== task.status;
  }
}
