// The schedules view: each schedule's trigger, next and last runs, and its controls, kept live from the
// feed's `schedule` messages (each carries the schedule's row, see ListFollower): a pause, a run or a
// deletion made anywhere shows at once.
import { request } from './api.js';
import { element, retryText, time } from './format.js';
import { KeyedRows } from './keyed-rows.js';
import { ListFollower } from './list-follower.js';

export class SchedulesView {
  constructor(feed) {
    this.rows = new KeyedRows(document.getElementById('schedule-rows'), 'data-schedule-id', schedule => this.row(schedule));
    this.follower = new ListFollower(feed, { type: 'schedule', keyOf: schedule => schedule.schedule_id, rows: this.rows, reload: () => this.load() });
  }

  set visible(visible) { this.follower.visible = visible; }

  /** Reads the list; `byUser`: a read the user asked for (see LatestRead.run). */
  load({ byUser = false } = {}) {
    return this.rows.load(async () => (await request('GET', '/api/schedules?limit=100')).items.map(schedule => [schedule.schedule_id, schedule]), { byUser });
  }

  row(schedule) {
    const when = schedule.kind === 'cron' ? `${schedule.cron} (${schedule.time_zone})` : schedule.kind === 'interval' ? `every ${schedule.every}` : `once at ${time(schedule.at)}`;
    const act = (label, method, path) => element('button', {
      type: 'button', text: label, 'aria-label': `${label} schedule ${schedule.name}`,
      // Only the button's own request and read are the user's to be told of.
      onclick: () => request(method, path).then(() => this.load({ byUser: true })).catch(error => alert(error.message)),
    });
    const base = `/api/schedules/${schedule.schedule_id}`;
    const last = schedule.last_run;
    return [
      element('td', { text: schedule.name || schedule.schedule_id }),
      element('td', { text: when }),
      element('td', { class: 'next-run', text: schedule.paused ? 'paused' : time(schedule.next_run_at) }),
      element('td', { class: 'last-run' }, last ? element('a', { href: `#/tasks/${last.task_id}`, text: time(last.started_at), 'data-task-id': last.task_id }) : '—'),
      element('td', { class: 'runs', text: `${schedule.runs} run${schedule.runs === 1 ? '' : 's'}, ${schedule.skipped} skipped` }),
      element('td', { class: 'template', text: `${schedule.priority} priority · retry: ${retryText(schedule.retry)} · time limit: ${schedule.timeout ?? 'silo default'}` }),
      element('td', {},
        schedule.paused ? act('Resume', 'POST', `${base}/resume`) : act('Pause', 'POST', `${base}/pause`),
        act('Run now', 'POST', `${base}/run`),
        act('Delete', 'DELETE', base)),
    ];
  }
}
