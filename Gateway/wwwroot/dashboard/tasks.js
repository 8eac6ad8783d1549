// The task list: the user's tasks (everyone's for an admin who asks) newest first, a page at a time,
// kept live from the page's one task feed. A row takes a change only when its `seq` is newer. A task
// that matches the filters and sorts into the first page while it is shown takes its place there (a
// new one at the top); one created after the first page's newest while another page is shown goes
// into a "N new tasks" notice. After the feed reconnects, the page shown and the counts are read again
// (the badge says "live" once they are), and the page once more a moment later (see TaskFeed): a task
// publishes a change before it writes its history row (where the list comes from), so a task that
// ended just before the feed came back may be listed as it was, and the feed does not send that end
// again. On another page the notice also counts the tasks the list holds that were created, after the
// first page's newest, while the feed was away. Reads of the page may overlap (a read-back, the first
// page read again for a new task, the user's paging): the one started last is shown (see LatestRead).
// Row changes are drawn together, a few times a second.
import { request, session } from './api.js';
import { LatestRead } from './latest-read.js';
import { TaskRow } from './task-row.js';
import { Throttle } from './throttle.js';

const pageSize = 20;
const drawInterval = 250;

// After a reconnect, the tasks created meanwhile are read in one request of at most this many (the
// list's largest page); should there be more, the notice says "N+ new tasks".
const newerLimit = 500;

export class TasksView {
  constructor(feed, counts) {
    this.feed = feed;
    this.counts = counts;
    this.rows = new Map();
    this.cursors = [null];
    this.listed = { status: '', collection: '' };
    this.newest = '';
    this.oldest = '';
    this.baseline = 0;
    this.arrived = null;
    this.changed = new Set();
    this.unseen = new Set();
    this.moreUnseen = false;
    this.draws = 0;
    this.body = document.getElementById('task-rows');
    this.reads = new LatestRead(this.body);
    this.notice = document.getElementById('new-tasks');
    this.draw = new Throttle(() => this.#draw(), drawInterval, { beforeFrame: true });
    this.refill = new Throttle(() => (this.cursors.length === 1 ? this.load() : null), 2000);
    this.everyone = document.getElementById('filter-everyone');
    document.getElementById('task-filters').addEventListener('submit', event => { event.preventDefault(); asked(this.first({ byUser: true })); });
    document.getElementById('older').addEventListener('click', () => { this.cursors.push(this.next); asked(this.load({ byUser: true })); });
    document.getElementById('newer').addEventListener('click', () => { this.cursors.pop(); asked(this.load({ byUser: true })); });
    this.notice.addEventListener('click', () => asked(this.first({ byUser: true })));
    this.everyone.addEventListener('change', () => {
      this.rows.clear();
      this.body.replaceChildren();
      this.counts.scope = this.scope;
      this.feed.start(this.scope);
      asked(this.first({ byUser: true }));
    });
    feed.subscribe(this);
    setInterval(() => this.#tick(), 1000);
  }

  get scope() { return session.isAdmin && this.everyone.checked ? 'all' : 'mine'; }

  get filters() {
    return { status: document.getElementById('filter-status').value, collection: document.getElementById('filter-collection').value.trim() };
  }

  /** Shows the first page with the current filters; `byUser` as for load. */
  first({ byUser = false } = {}) {
    this.cursors = [null];
    return this.load({ byUser });
  }

  /**
   * Reads the page the cursors point at and shows it, unless a read started later is under way or shown:
   * this one then settles as that one does, or, with `byUser`, as it did itself (see LatestRead.run).
   */
  load({ byUser = false } = {}) {
    document.getElementById('everyone-label').hidden = !session.isAdmin;
    const onFirstPage = this.cursors.length === 1;
    // The first page (read again, or with other filters or scope) sets what the notice counts from.
    if (onFirstPage) this.baseline += 1;
    const filters = this.filters;
    const query = this.#query(filters, { limit: pageSize, cursor: this.cursors.at(-1) });

    // Changes that arrive while the page loads may be newer than it: they are applied over it.
    const arrived = new Map();
    this.arrived = arrived;
    const read = async () => {
      try {
        return await request('GET', `/api/tasks?${query}`);
      } catch (error) {
        if (this.arrived === arrived) this.arrived = null;
        throw error;
      }
    };
    return this.reads.run(read, page => {
      this.arrived = null;
      // The feed's changes are matched against the filters of the page shown, not what the form holds
      // now nor those of a page asked for and not (yet) shown.
      this.listed = filters;
      this.#fill(page.items, onFirstPage);
      for (const task of arrived.values()) this.onTask(task, false);
      this.next = page.next_cursor;
      document.getElementById('older').disabled = !page.next_cursor;
      document.getElementById('newer').disabled = onFirstPage;
      document.getElementById('page-number').textContent = `page ${this.cursors.length}`;
    }, { byUser });
  }

  /** A change from the feed (or a task just created here). */
  onTask(task, fromFeed = true) {
    if (fromFeed) {
      this.counts.note(task);
      if (this.arrived) this.arrived.set(task.task_id, task);
    }

    const row = this.rows.get(task.task_id);
    if (row) {
      if (row.accept(task)) this.#changed(row);
      return;
    }

    if (!this.#matches(task)) return;
    if (this.cursors.length === 1) {
      if (this.rows.size < pageSize || task.created_at > this.oldest) this.#insert(task);
    } else if (task.created_at > this.newest) {
      this.unseen.add(task.task_id);
      this.#showNotice();
    }
  }

  /**
   * After (re)connecting: what changed while the feed was away is read back from the list and the
   * counts. A failure of either rejects, and the feed calls this again (see TaskFeed.subscribe).
   */
  async onResync() {
    await Promise.all([this.counts.load(), this.#readBack()]);
  }

  /** A moment after the read-back: the page shown once more, for an end its read may have missed. */
  onReread() {
    return this.load();
  }

  async #readBack() {
    await this.load();
    if (this.cursors.length > 1) await this.#countNewer();
  }

  /**
   * On a page other than the first: adds to the notice the tasks of the list that match the filters and
   * were created after the first page's newest (the feed brought those created while it was connected;
   * the others were created while it was away). Moving to another older page keeps the count; the first
   * page read meanwhile, or other filters or scope, make it stale, and it is dropped.
   */
  async #countNewer() {
    const baseline = this.baseline;
    const since = this.newest;
    if (!since) return;
    const page = await request('GET', `/api/tasks?${this.#query(this.listed, { limit: newerLimit, created_from: since })}`);
    if (baseline !== this.baseline) return;
    // `created_from` includes the first page's newest itself.
    for (const task of page.items) if (task.created_at > since) this.unseen.add(task.task_id);
    this.moreUnseen ||= Boolean(page.next_cursor);
    if (this.unseen.size > 0) this.#showNotice();
  }

  #showNotice() {
    const count = `${this.unseen.size}${this.moreUnseen ? '+' : ''}`;
    this.notice.textContent = `${count} new task${count === '1' ? '' : 's'}`;
    this.notice.hidden = false;
  }

  /** The list's query for `filters` and the page's scope, with `extra` parameters (those null left out). */
  #query({ status, collection }, extra) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(extra)) if (value !== null && value !== undefined) query.set(name, value);
    if (status) query.set('status', status);
    if (collection) query.set('collection', collection);
    if (this.scope === 'all') query.set('scope', 'all');
    return query;
  }

  #matches(task) {
    const { status, collection } = this.listed;
    return (!status || task.status === status) && (!collection || task.collection === collection);
  }

  #fill(items, onFirstPage) {
    const rows = items.map(task => {
      const row = this.rows.get(task.task_id);
      if (!row) return this.#row(task);
      if (row.accept(task)) this.#changed(row);
      return row;
    });
    this.rows = new Map(rows.map(row => [row.id, row]));
    this.body.replaceChildren(...rows.map(row => row.tr));
    this.oldest = rows.at(-1)?.createdAt ?? '';
    if (onFirstPage) {
      this.newest = items[0]?.created_at ?? '';
      this.unseen.clear();
      this.moreUnseen = false;
      this.notice.hidden = true;
    }
  }

  /** Puts a new task in its place by creation time (at the top, unless changes came out of order); the page keeps its size. */
  #insert(task) {
    const row = this.#row(task);
    const before = [...this.body.children].find(tr => this.rows.get(tr.dataset.taskId).createdAt < task.created_at);
    this.body.insertBefore(row.tr, before ?? null);
    this.rows.set(row.id, row);
    if (task.created_at > this.newest) this.newest = task.created_at;
    if (this.rows.size > pageSize) {
      const rows = [...this.body.children].map(tr => this.rows.get(tr.dataset.taskId));
      for (const dropped of rows.slice(pageSize)) {
        dropped.tr.remove();
        this.rows.delete(dropped.id);
      }

      // The cursor to the older page is now behind the page shown: the first page is read again for it.
      this.refill.request();
    }

    this.oldest = this.rows.get(this.body.lastElementChild.dataset.taskId).createdAt;
  }

  #row(task) {
    return new TaskRow(task, { showOwner: this.scope === 'all', onCancel: row => this.#cancel(row) });
  }

  #changed(row) {
    this.changed.add(row);
    this.draw.request();
  }

  #draw() {
    const showOwner = this.scope === 'all';
    for (const row of this.changed) {
      if (this.rows.get(row.id) === row) row.render(showOwner);
    }

    this.changed.clear();
    this.body.closest('table').dataset.draws = ++this.draws;
  }

  #tick() {
    for (const row of this.rows.values()) {
      if (!row.data.finished_at) row.tick();
    }
  }

  async #cancel(row) {
    try {
      await request('POST', `/api/tasks/${row.id}/cancel`);
    } catch (error) {
      row.data.message = error.message;
      this.#changed(row);
    }
  }
}

/** A read the user asked for: its failure is shown them (a background read's is the feed's to handle). */
function asked(loading) {
  loading.catch(error => alert(error.message));
}
