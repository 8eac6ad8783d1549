// A task's details, opened by its address (`#/tasks/{id}`) so that it can be shared, with the
// per-document results; while open, it follows the task on the task's own socket. An ended task with
// failed or unprocessed documents has a Retry button, which opens the new task once it is created. A queued
// task's place is read again every few seconds: other tasks starting move it, and that is no change of its own.
import { request } from './api.js';
import { attemptText, element, newKey, queueText, rateText, retryable, retryText, taskLink, terminal, time } from './format.js';
import { LiveSocket } from './socket.js';
import { Throttle } from './throttle.js';

const finished = 1000;
const refused = 1008;
const queueRefresh = 2000;

export class DetailsView {
  constructor() {
    this.section = document.getElementById('details');
    this.facts = document.getElementById('details-facts');
    this.error = document.getElementById('details-error');
    this.taskId = null;
    this.socket = null;
    this.reload = new Throttle(() => this.#showFacts(), 1000);
    document.getElementById('details-outcome').addEventListener('change', () => this.#showResults(0));
    document.getElementById('details-more').addEventListener('click', () => this.#showResults(this.next));
    this.retryButton = document.getElementById('details-retry');
    this.retryButton.addEventListener('click', () => this.#retry());
  }

  async open(taskId) {
    if (taskId === this.taskId) return;
    this.close();
    this.taskId = taskId;
    // One key per task shown: a second click, or a click after a lost answer, gets the same new task.
    this.retryKey = newKey();
    this.retryButton.hidden = true;
    this.section.hidden = false;
    this.facts.replaceChildren();
    document.getElementById('details-rows').replaceChildren();
    document.getElementById('details-title').textContent = `Task ${taskId}`;
    this.error.textContent = '';
    try {
      const task = await this.#showFacts();
      this.section.scrollIntoView({ block: 'nearest' });
      await this.#showResults(0);
      if (!terminal.has(task.status)) {
        this.socket = new LiveSocket(`/ws/task/${taskId}`, { onMessage: message => this.#follow(message), finalCodes: [finished, refused] });
      }
    } catch (failure) {
      if (taskId === this.taskId) this.error.textContent = failure.status === 404 ? 'No such task (or not yours).' : failure.message;
    }
  }

  close() {
    this.socket?.close();
    this.socket = null;
    this.reload.cancel();
    clearTimeout(this.queueTimer);
    this.taskId = null;
    this.section.hidden = true;
  }

  #follow(message) {
    // A connect's snapshot is news when the task changed since its facts were read (between that read and the
    // socket's opening, or while a dropped socket reconnected).
    if (message.type === 'pong' || (message.type === 'connected' && message.seq === this.shownSeq)) return;
    this.reload.request();
    if (['complete', 'error', 'cancelled'].includes(message.type)) this.#showResults(0);
  }

  async #showFacts() {
    const taskId = this.taskId;
    const task = await request('GET', `/api/tasks/${taskId}`);
    if (taskId !== this.taskId) return task;
    this.shownSeq = task.seq;
    const facts = [['Task', task.task_id], ['Collection', task.collection], ['Owner', task.owner_id], ['Status', task.status],
      ...(task.queue_position ? [['Queue position', queueText(task.queue_position)]] : []),
      ['Documents', `${task.current}/${task.total}`], ['Rate', rateText(task)],
      ['Indexed / unchanged / failed', `${task.counts.indexed} / ${task.counts.unchanged} / ${task.counts.failed}`],
      ['Created', time(task.created_at)], ['Finished', time(task.finished_at)], ['Message', task.message],
      ['Priority', task.priority], ['Retry policy', retryText(task.retry)], ['Time limit', task.timeout ?? 'none'], ['Attempt', attemptText(task)]];
    if (task.cancelled_by) facts.push(['Cancelled by', task.cancelled_by]);
    if (task.error) facts.push(['Error', `${task.error.code}: ${task.error.message}`]);
    if (task.batch_id) facts.push(['Batch', task.batch_id]);
    if (task.schedule_id) facts.push(['Schedule', task.schedule_id]);
    if (task.retry_of) facts.push(['Retry of', taskLink(task.retry_of)]);
    if (task.retried_by) facts.push(['Retried by', taskLink(task.retried_by)]);
    if (task.depends_on?.length > 0) {
      const chain = await request('GET', `/api/tasks/${taskId}/chain`);
      const done = chain.task_counts.completed + chain.task_counts.failed + chain.task_counts.cancelled;
      facts.push(['Chain', `${chain.status}: ${Math.max(0, chain.progress)} % of ${chain.total} documents, ${done}/${chain.tasks.length} tasks done`]);
    }

    if (taskId !== this.taskId) return task;
    this.facts.replaceChildren(...facts.flatMap(([name, value]) => [element('dt', { text: name }),
      value instanceof Node ? element('dd', { 'data-fact': name }, value) : element('dd', { text: value ?? '—', 'data-fact': name })]));
    this.retryButton.hidden = !retryable(task);
    this.retryButton.setAttribute('aria-label', `Retry task ${task.task_id}`);
    clearTimeout(this.queueTimer);
    if (task.status === 'pending') this.queueTimer = setTimeout(() => this.reload.request(), queueRefresh);
    return task;
  }

  async #retry() {
    this.retryButton.disabled = true;
    try {
      const retry = await request('POST', `/api/tasks/${this.taskId}/retry`, undefined, { 'Idempotency-Key': this.retryKey });
      location.hash = `#/tasks/${retry.task_id}`;
    } catch (failure) {
      this.error.textContent = failure.message;
    } finally {
      this.retryButton.disabled = false;
    }
  }

  async #showResults(offset) {
    const taskId = this.taskId;
    const outcome = document.getElementById('details-outcome').value;
    const query = new URLSearchParams({ offset, limit: 50 });
    if (outcome) query.set('status', outcome);
    const page = await request('GET', `/api/tasks/${taskId}/result?${query}`);
    if (taskId !== this.taskId) return;
    const rows = document.getElementById('details-rows');
    if (offset === 0) rows.replaceChildren();
    for (const item of page.items) {
      rows.append(element('tr', {}, element('td', { text: item.id }), element('td', { text: item.status }),
        element('td', { class: 'attempts', text: String(item.attempts ?? 1) }), element('td', { text: item.error ?? '' })));
    }

    this.next = page.next_offset;
    document.getElementById('details-more').hidden = page.next_offset === undefined || page.next_offset === null;
  }
}
