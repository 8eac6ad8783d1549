// One row of the task list: its data (newest by `seq`) and its cells, written only where they changed.
import { element, duration, rateText, seconds, shortId, terminal } from './format.js';

export class TaskRow {
  constructor(task, { showOwner, onCancel }) {
    this.data = { ...task };
    this.onCancel = onCancel;
    this.tr = element('tr', { 'data-task-id': task.task_id });
    this.link = element('a', { href: `#/tasks/${task.task_id}`, text: shortId(task.task_id), title: task.task_id, 'aria-label': `Details of task ${task.task_id}` });
    this.origin = element('span', { class: 'collection' });
    this.retryLinks = element('span', { class: 'retry-links' });
    this.bar = element('progress', { max: 100 });
    this.percent = document.createTextNode('');
    this.cells = {
      status: element('td', { class: 'status' }),
      counts: element('td', { class: 'counts' }),
      message: element('td', { class: 'message' }),
      elapsed: element('td', { class: 'nowrap elapsed' }),
      rate: element('td', { class: 'nowrap rate' }),
      actions: element('td', {}),
    };
    this.tr.append(
      element('td', { class: 'id' }, this.link, this.origin, this.retryLinks),
      this.cells.status,
      element('td', { class: 'nowrap' }, this.bar, this.percent),
      this.cells.counts, this.cells.message, this.cells.elapsed, this.cells.rate, this.cells.actions);
    this.render(showOwner);
  }

  get id() { return this.data.task_id; }

  get createdAt() { return this.data.created_at; }

  /** Takes a newer state of the task; one that is not newer than what the row shows is ignored. */
  accept(task) {
    if ((task.seq ?? 0) <= (this.data.seq ?? 0)) return false;
    Object.assign(this.data, task);
    return true;
  }

  render(showOwner) {
    const task = this.data;
    const progress = Math.max(0, task.progress ?? 0);
    this.tr.dataset.status = task.status;
    write(this.origin, [task.collection, showOwner ? task.owner_id : null].filter(Boolean).join(' · '));
    write(this.cells.status, task.status);
    this.#showRetryLinks();
    if (this.bar.getAttribute('value') !== String(progress)) {
      this.bar.setAttribute('value', progress);
      this.bar.setAttribute('aria-label', `${progress} percent`);
    }

    const percent = ` ${task.progress < 0 ? 'failed' : `${progress} %`}`;
    if (this.percent.data !== percent) this.percent.data = percent;
    write(this.cells.counts, `${task.current ?? 0}/${task.total ?? 0}`);
    write(this.cells.message, task.message ?? '');
    write(this.cells.rate, rateText(task));
    this.tick();
    const cancellable = !terminal.has(task.status);
    if (cancellable !== this.cells.actions.hasChildNodes()) {
      this.cells.actions.replaceChildren(...(cancellable
        ? [element('button', { type: 'button', text: 'Cancel', 'aria-label': `Cancel task ${task.task_id}`, onclick: () => this.onCancel(this) })]
        : []));
    }
  }

  /** Links to the task this one retries and to the task that retries it, where set. */
  #showRetryLinks() {
    const links = [['retry-of', 'retry of', this.data.retry_of], ['retried-by', 'retried by', this.data.retried_by]].filter(([, , id]) => id);
    const key = links.map(([, , id]) => id).join(' ');
    if (this.retryLinks.dataset.key === key) return;
    this.retryLinks.dataset.key = key;
    this.retryLinks.replaceChildren(...links.map(([name, words, id]) =>
      element('a', { class: name, href: `#/tasks/${id}`, text: `${words} ${shortId(id)}`, title: id, 'data-task-id': id })));
  }

  /** Moves the elapsed time on; only an unfinished task's changes by itself. */
  tick() {
    write(this.cells.elapsed, duration(seconds(this.data.created_at, this.data.finished_at)));
  }
}

function write(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
