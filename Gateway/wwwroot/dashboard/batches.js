// The batches view: the user's batches with their rolled-up progress, kept live from the feed's `batch`
// messages (each carries the batch's row, see ListFollower). An ended batch with failed
// or cancelled tasks has a Retry button, which retries them as a new batch; retries and originals name each other.
import { request } from './api.js';
import { element, newKey, shortId, terminal } from './format.js';
import { ListFollower } from './list-follower.js';
import { KeyedRows } from './keyed-rows.js';

export class BatchesView {
  constructor(feed) {
    this.rows = new KeyedRows(document.getElementById('batch-rows'), 'data-batch-id', batch => this.row(batch));
    this.follower = new ListFollower(feed, { type: 'batch', keyOf: batch => batch.batch_id, rows: this.rows, reload: () => this.load() });
  }

  set visible(visible) { this.follower.visible = visible; }

  /** Reads the list; `byUser`: a read the user asked for (see LatestRead.run). */
  load({ byUser = false } = {}) {
    return this.rows.load(async () => (await request('GET', '/api/batches?limit=50')).items.map(batch => [batch.batch_id, batch]), { byUser });
  }

  row(batch) {
    const counts = batch.task_counts;
    const done = counts.completed + counts.failed + counts.cancelled;
    const total = done + counts.pending + counts.waiting + counts.processing;
    const progress = Math.max(0, batch.progress);
    const message = element('td', { class: 'message', text: batch.message });
    if (batch.retry_of) message.append(element('span', { class: 'retry-of', text: ` · retry of ${shortId(batch.retry_of)}`, title: batch.retry_of }));
    if (batch.retried_by) message.append(element('span', { class: 'retried-by', text: ` · retried by ${shortId(batch.retried_by)}`, title: batch.retried_by }));
    return [
      element('td', { class: 'id', text: shortId(batch.batch_id), title: batch.batch_id }),
      element('td', { class: 'status', text: batch.status }),
      element('td', { class: 'nowrap' }, element('progress', { max: 100, value: progress, 'aria-label': `${progress} percent` }), ` ${progress} %`),
      element('td', { class: 'tasks', text: `${done}/${total} done` }),
      message,
      element('td', {}, terminal.has(batch.status) ? this.retryButton(batch, message) : element('button', {
        type: 'button', text: 'Cancel', 'aria-label': `Cancel batch ${batch.batch_id}`,
        onclick: () => request('POST', `/api/batches/${batch.batch_id}/cancel`).then(() => this.load({ byUser: true })).catch(error => { message.textContent = error.message; }),
      })),
    ];
  }

  retryButton(batch, message) {
    if (batch.retried_by || batch.task_counts.failed + batch.task_counts.cancelled === 0) return null;
    // One key per row shown: a second click gets the same new batch.
    const key = newKey();
    return element('button', {
      type: 'button', text: 'Retry', 'aria-label': `Retry batch ${batch.batch_id}`,
      onclick: () => request('POST', `/api/batches/${batch.batch_id}/retry`, undefined, { 'Idempotency-Key': key })
        .then(() => this.load({ byUser: true })).catch(error => { message.textContent = error.message; }),
    });
  }
}
