// The tasks view: the user's tasks (everyone's for admins) newest first, paged, each unfinished one
// followed live; details with per-document results; cancel buttons.
import { request, session } from './api.js';
import { element, duration, seconds, shortId, terminal } from './format.js';

const pageSize = 20;

export class TasksView {
  constructor(feeds) {
    this.feeds = feeds;
    this.rows = new Map();
    this.cursors = [null];
    this.body = document.getElementById('task-rows');
    document.getElementById('task-filters').addEventListener('submit', event => { event.preventDefault(); this.cursors = [null]; this.load(); });
    document.getElementById('older').addEventListener('click', () => { this.cursors.push(this.next); this.load(); });
    document.getElementById('newer').addEventListener('click', () => { this.cursors.pop(); this.load(); });
    document.getElementById('details-outcome').addEventListener('change', () => this.showResults(this.detailsId, 0));
    document.getElementById('details-more').addEventListener('click', () => this.showResults(this.detailsId, this.detailsNext));
    setInterval(() => this.tick(), 1000);
  }

  async load() {
    document.getElementById('everyone-label').hidden = !session.isAdmin;
    const query = new URLSearchParams({ limit: pageSize });
    const status = document.getElementById('filter-status').value;
    const collection = document.getElementById('filter-collection').value.trim();
    if (status) query.set('status', status);
    if (collection) query.set('collection', collection);
    if (document.getElementById('filter-everyone').checked) query.set('scope', 'all');
    const cursor = this.cursors.at(-1);
    if (cursor) query.set('cursor', cursor);
    const page = await request('GET', `/api/tasks?${query}`);
    this.clear();
    for (const task of page.items) this.add(task, false);
    this.next = page.next_cursor;
    document.getElementById('older').disabled = !page.next_cursor;
    document.getElementById('newer').disabled = this.cursors.length === 1;
    document.getElementById('page-number').textContent = `page ${this.cursors.length}`;
  }

  clear() {
    for (const row of this.rows.values()) row.stop?.();
    this.rows.clear();
    this.body.replaceChildren();
  }

  /** Shows a task (at the top when it is new) and follows it live until it ends. */
  add(task, atTop) {
    if (this.rows.has(task.task_id)) return;
    const row = { data: { ...task }, tr: element('tr', { 'data-task-id': task.task_id }) };
    this.rows.set(task.task_id, row);
    atTop ? this.body.prepend(row.tr) : this.body.append(row.tr);
    this.render(row);
    if (!terminal.has(task.status)) {
      row.stop = this.feeds.watch('task', task.task_id, message => this.apply(row, message));
    }
  }

  apply(row, message) {
    const data = row.data;
    switch (message.type) {
      case 'connected':
        Object.assign(data, { status: message.current_status, progress: message.current_progress, current: message.current, total: message.total, message: message.status_message });
        break;
      case 'progress':
        Object.assign(data, { status: message.status, progress: message.progress, current: message.current, total: message.total, message: message.message });
        break;
      case 'complete':
        Object.assign(data, { status: 'completed', progress: 100, current: data.total, message: message.message, finished_at: message.timestamp });
        break;
      case 'error':
        Object.assign(data, { status: 'failed', progress: -1, message: message.error, finished_at: message.timestamp });
        break;
      case 'cancelled':
        Object.assign(data, { status: 'cancelled', progress: message.progress, message: message.message, finished_at: message.timestamp });
        break;
      default:
        return;
    }

    this.render(row);
  }

  render(row) {
    const task = row.data;
    const elapsed = seconds(task.created_at, task.finished_at);
    const rate = elapsed >= 1 && task.current > 0 ? `${Math.round(task.current / elapsed)} docs/s` : '—';
    const progress = Math.max(0, task.progress);
    row.tr.dataset.status = task.status;
    row.tr.replaceChildren(
      element('td', { class: 'id' },
        element('button', { type: 'button', text: shortId(task.task_id), title: task.task_id, 'aria-label': `Details of task ${task.task_id}`, onclick: () => this.showDetails(task.task_id) }),
        task.collection ? element('span', { class: 'collection', text: task.collection }) : null),
      element('td', { class: 'status', text: task.status }),
      element('td', { class: 'nowrap' }, element('progress', { max: 100, value: progress, 'aria-label': `${progress} percent` }), ` ${task.progress < 0 ? 'failed' : progress + ' %'}`),
      element('td', { class: 'counts', text: `${task.current}/${task.total}` }),
      element('td', { class: 'message', text: task.message }),
      element('td', { class: 'nowrap', text: duration(elapsed) }),
      element('td', { class: 'nowrap', text: rate }),
      element('td', {}, terminal.has(task.status) ? null : element('button', { type: 'button', text: 'Cancel', 'aria-label': `Cancel task ${task.task_id}`, onclick: () => this.cancel(row) })));
  }

  tick() {
    for (const row of this.rows.values()) {
      if (!terminal.has(row.data.status)) this.render(row);
    }
  }

  async cancel(row) {
    try {
      await request('POST', `/api/tasks/${row.data.task_id}/cancel`);
    } catch (error) {
      row.data.message = error.message;
      this.render(row);
    }
  }

  async showDetails(taskId) {
    const task = await request('GET', `/api/tasks/${taskId}`);
    const facts = document.getElementById('details-facts');
    facts.replaceChildren();
    for (const [name, value] of [['Task', task.task_id], ['Collection', task.collection], ['Owner', task.owner_id], ['Status', task.status],
      ['Documents', `${task.current}/${task.total}`], ['Indexed / unchanged / failed', `${task.counts.indexed} / ${task.counts.unchanged} / ${task.counts.failed}`],
      ['Created', task.created_at], ['Finished', task.finished_at ?? '—'], ['Message', task.message]]) {
      facts.append(element('dt', { text: name }), element('dd', { text: value }));
    }

    if (task.depends_on.length > 0) {
      const chain = await request('GET', `/api/tasks/${taskId}/chain`);
      const done = chain.task_counts.completed + chain.task_counts.failed + chain.task_counts.cancelled;
      facts.append(element('dt', { text: 'Chain' }),
        element('dd', { text: `${chain.status}: ${Math.max(0, chain.progress)} % of ${chain.total} documents, ${done}/${chain.tasks.length} tasks done` }));
    }

    if (task.batch_id) facts.append(element('dt', { text: 'Batch' }), element('dd', { text: task.batch_id }));
    if (task.schedule_id) facts.append(element('dt', { text: 'Schedule' }), element('dd', { text: task.schedule_id }));
    document.getElementById('details').hidden = false;
    await this.showResults(taskId, 0);
  }

  async showResults(taskId, offset) {
    this.detailsId = taskId;
    const outcome = document.getElementById('details-outcome').value;
    const query = new URLSearchParams({ offset, limit: 50 });
    if (outcome) query.set('status', outcome);
    const page = await request('GET', `/api/tasks/${taskId}/result?${query}`);
    const rows = document.getElementById('details-rows');
    if (offset === 0) rows.replaceChildren();
    for (const item of page.items) {
      rows.append(element('tr', {}, element('td', { text: item.id }), element('td', { text: item.status }), element('td', { text: item.error ?? '' })));
    }

    this.detailsNext = page.next_offset;
    document.getElementById('details-more').hidden = page.next_offset === undefined || page.next_offset === null;
  }
}
