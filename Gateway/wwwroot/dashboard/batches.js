// The batches view: the user's batches with their rolled-up progress, followed live.
import { request } from './api.js';
import { element, shortId, terminal } from './format.js';

export class BatchesView {
  constructor(feeds) {
    this.feeds = feeds;
    this.stops = [];
    this.body = document.getElementById('batch-rows');
  }

  async load() {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.body.replaceChildren();
    const page = await request('GET', '/api/batches?limit=50');
    for (const batch of page.items) {
      const row = { data: batch, tr: element('tr', { 'data-batch-id': batch.batch_id }) };
      this.body.append(row.tr);
      this.render(row);
      if (!terminal.has(batch.status)) this.stops.push(this.feeds.watch('batch', batch.batch_id, message => this.apply(row, message)));
    }
  }

  apply(row, message) {
    const data = row.data;
    const counts = message.tasks;
    if (message.type === 'connected') {
      Object.assign(data, { status: message.current_status, progress: message.current_progress, message: message.status_message });
    } else if (message.type === 'progress') {
      Object.assign(data, { status: message.status, progress: message.progress, message: message.message });
    } else if (['complete', 'error', 'cancelled'].includes(message.type)) {
      const status = { complete: 'completed', error: 'failed', cancelled: 'cancelled' }[message.type];
      Object.assign(data, { status, progress: message.progress, message: message.message ?? message.error });
    } else {
      return;
    }

    if (counts) data.task_counts = counts;
    this.render(row);
  }

  render(row) {
    const batch = row.data;
    const counts = batch.task_counts;
    const done = counts.completed + counts.failed + counts.cancelled;
    const total = done + counts.pending + counts.waiting + counts.processing;
    const progress = Math.max(0, batch.progress);
    row.tr.replaceChildren(
      element('td', { class: 'id', text: shortId(batch.batch_id), title: batch.batch_id }),
      element('td', { text: batch.status }),
      element('td', {}, element('progress', { max: 100, value: progress, 'aria-label': `${progress} percent` }), ` ${progress} %`),
      element('td', { text: `${done}/${total} done` }),
      element('td', { text: batch.message }),
      element('td', {}, terminal.has(batch.status) ? null : element('button', {
        type: 'button', text: 'Cancel', 'aria-label': `Cancel batch ${batch.batch_id}`,
        onclick: () => request('POST', `/api/batches/${batch.batch_id}/cancel`).catch(error => { batch.message = error.message; this.render(row); }),
      })));
  }
}
