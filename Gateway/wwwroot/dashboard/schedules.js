// The schedules view: each schedule's trigger, next and last runs, and its controls.
import { request } from './api.js';
import { element, time } from './format.js';

export class SchedulesView {
  constructor(onRun) {
    this.onRun = onRun;
    this.body = document.getElementById('schedule-rows');
  }

  async load() {
    const page = await request('GET', '/api/schedules?limit=100');
    this.body.replaceChildren(...page.items.map(schedule => this.row(schedule)));
  }

  row(schedule) {
    const when = schedule.kind === 'cron' ? `${schedule.cron} (${schedule.time_zone})` : schedule.kind === 'interval' ? `every ${schedule.every}` : `once at ${time(schedule.at)}`;
    const act = (label, method, path, after) => element('button', {
      type: 'button', text: label, 'aria-label': `${label} schedule ${schedule.name}`,
      onclick: async () => { const answer = await request(method, path); after?.(answer); await this.load(); },
    });
    const base = `/api/schedules/${schedule.schedule_id}`;
    return element('tr', { 'data-schedule-id': schedule.schedule_id },
      element('td', { text: schedule.name || schedule.schedule_id }),
      element('td', { text: when }),
      element('td', { text: schedule.paused ? 'paused' : time(schedule.next_run_at) }),
      element('td', { text: schedule.last_run ? time(schedule.last_run.started_at) : '—' }),
      element('td', { text: `${schedule.runs} run, ${schedule.skipped} skipped` }),
      element('td', {},
        schedule.paused ? act('Resume', 'POST', `${base}/resume`) : act('Pause', 'POST', `${base}/pause`),
        act('Run now', 'POST', `${base}/run`, run => this.onRun(run)),
        act('Delete', 'DELETE', base)));
  }
}
