// Keeps a list view of the user's batches or schedules live from the feed's `batch` or `schedule`
// messages, which carry the item's row as the list has it: while the view is shown, a change of an item
// on the page rewrites that row at once (see KeyedRows); an item not on the page (a new batch or
// schedule) or a deleted one reads the list again, at most every 1.5 s, so that the page keeps its order.
// A new item may reach the feed just before its owner's list shows it (a batch is listed once all its
// tasks have started): the list is read again, a few times at most, until it does. After the feed
// (re)connects, a shown view reads its list back at once, and a read that fails rejects so that the feed
// tries it again with backoff (the badge reads "live" only once it succeeded). Reads that overlap (a
// read-back and a read for a new item) show the list of the one started last (KeyedRows.load).
import { Throttle } from './throttle.js';

const listReadsForNewItems = 3;

export class ListFollower {
  /**
   * @param type the feed messages followed: `batch` or `schedule`
   * @param keyOf the item's key (its `batch_id` or `schedule_id`)
   * @param rows the view's KeyedRows
   * @param reload reads the list again
   */
  constructor(feed, { type, keyOf, rows, reload }) {
    this.feed = feed;
    this.type = type;
    this.keyOf = keyOf;
    this.rows = rows;
    this.visible = false;
    this.awaited = new Set();
    this.reads = 0;
    this.read = reload;
    this.reload = new Throttle(() => this.#readAwaiting(), 1500);
    feed.subscribe(this);
  }

  onItem(type, item) {
    if (!this.visible || type !== this.type || item.owner_id !== this.feed.ownerId) return;
    const key = this.keyOf(item);
    if (this.rows.update(key, item) && !item.deleted) return;
    if (!item.deleted) this.awaited.add(key);
    this.reload.request();
  }

  /** Reads the list back (see TaskFeed.subscribe): a failure rejects, and the feed calls this again. */
  async onResync() {
    if (!this.visible) return;
    this.reload.cancel();
    await this.#readAwaiting();
  }

  async #readAwaiting() {
    await this.read();
    for (const key of this.awaited) if (this.rows.has(key)) this.awaited.delete(key);
    if (this.awaited.size > 0 && ++this.reads < listReadsForNewItems) {
      this.reload.request();
    } else {
      this.awaited.clear();
      this.reads = 0;
    }
  }
}
