// How many tasks are in each status, in the header: loaded from `GET /api/tasks/counts` and loaded
// again (at most every 2 s) when the feed shows a task that is new or changed status, and once more
// when such changes have stopped for a moment: a task's change is published before its history row
// (where the counts come from) is written, so the read on the change may not see it yet, and without
// a later one the last task to end would leave the counts wrong. Those reads and the read-back after a
// reconnect may overlap: the one started last is shown (see LatestRead). Each count is a button that
// filters the list by its status.
import { request } from './api.js';
import { element, terminal } from './format.js';
import { LatestRead } from './latest-read.js';
import { Throttle } from './throttle.js';

const statuses = ['waiting', 'pending', 'processing', 'completed', 'failed', 'cancelled'];

// How long after the last change the counts are read once more: longer than a history write takes.
const settleAfter = 1500;

export class StatusCounts {
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.scope = 'mine';
    this.statusOf = new Map();
    this.refresh = new Throttle(() => this.load(), 2000);
    this.settle = null;
    this.buttons = new Map(statuses.map(status => [status, element('button', {
      type: 'button', class: 'count', 'data-status': status, onclick: () => this.onPick(status),
    })]));
    this.total = element('span', { class: 'count-total' });
    container.replaceChildren(...this.buttons.values(), this.total);
    this.reads = new LatestRead(container);
  }

  /** Notes a task's change from the feed; a task not seen before or with another status makes the counts stale. */
  note(task) {
    if (this.statusOf.get(task.task_id) === task.status) return;
    if (terminal.has(task.status)) this.statusOf.delete(task.task_id);
    else this.statusOf.set(task.task_id, task.status);
    this.refresh.request();
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.refresh.request(), settleAfter);
  }

  /** Reads the counts and shows them, unless a read started later is under way or shown: this one then settles as that one does. */
  load() {
    return this.reads.run(() => request('GET', `/api/tasks/counts${this.scope === 'all' ? '?scope=all' : ''}`), counts => this.#show(counts));
  }

  #show(counts) {
    for (const [status, button] of this.buttons) {
      const count = counts[status] ?? 0;
      button.textContent = `${count.toLocaleString('en')} ${status}`;
      button.dataset.count = count;
      button.setAttribute('aria-label', `${count} ${status}: show them`);
    }

    this.total.textContent = `${(counts.total ?? 0).toLocaleString('en')} in all`;
    this.container.hidden = false;
  }
}
