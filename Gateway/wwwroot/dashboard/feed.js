// The page's one feed of changes (`/ws/tasks`): every view that lists tasks, batches or schedules
// listens to it, however many tasks run. The socket is held by a worker, which hands the page the
// changes in batches, the newest of each item only. On every (re)connection the views read back what
// changed while the feed was away; a read that fails (a rate limit, a database outage) is tried again
// with backoff until it succeeds, but for a refusal of the user's token or rights (401, 403: it expired,
// or the admin role was withdrawn), which the next try would meet too: the feed then stops, and the badge
// says to sign in again. The badge reads "live" once the socket is open and that read-back has
// succeeded: until then the page may show what is no longer so.
import { ApiError } from './api.js';
import { LiveSocket } from './socket.js';
import { openFeedWorker } from './feed-connection.js';

const badgeTexts = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'offline' };
const longestResyncWait = 15000;

export class TaskFeed {
  constructor(badge) {
    this.badge = badge;
    this.listeners = new Set();
    this.socket = null;
    this.scope = 'mine';
    this.ownerId = null;
    this.received = 0;
    this.state = 'connecting';
    this.reason = '';
    this.connection = 0;
    this.synced = false;
    this.wasLive = false;
    this.resyncTimer = null;
  }

  /**
   * A listener may have `onTask(task)`, called for every change of a task, `onItem(type, item)`, for every
   * change of a batch (`batch`) or schedule (`schedule`), and `onResync()`, called on every (re)connection
   * and called again, with backoff, for as long as the promise it answers fails.
   */
  subscribe(listener) {
    this.listeners.add(listener);
  }

  /** Follows the user's own tasks (`mine`) or, for an admin, everyone's (`all`). */
  start(scope = this.scope) {
    this.stop();
    this.scope = scope;
    this.wasLive = false;
    this.socket = new LiveSocket(`/ws/tasks?scope=${scope}`, {
      onMessage: message => this.#receive(message),
      onState: (state, reason) => this.#show(state, reason),
      connect: openFeedWorker,
    });
  }

  stop() {
    this.socket?.close();
    this.socket = null;
    this.#endResync();
  }

  #receive(message) {
    // What the page was handed (after the worker's coalescing), for the scale test to count.
    this.badge.dataset.received = ++this.received;
    if (message.type === 'task') {
      for (const listener of this.listeners) listener.onTask?.(message);
    } else if (message.type === 'batch' || message.type === 'schedule') {
      for (const listener of this.listeners) listener.onItem?.(message.type, message);
    } else if (message.type === 'connected') {
      this.ownerId = message.owner_id;
      this.#endResync();
      this.#show(this.state, this.reason);
      this.#resync(this.connection, [...this.listeners], 0);
    }
  }

  /** Reads back through each of `listeners`; those that fail are tried again after a wait, until all have succeeded. */
  async #resync(connection, listeners, attempt) {
    const results = await Promise.allSettled(listeners.map(listener => listener.onResync?.()));
    if (connection !== this.connection) return;
    const failed = listeners.filter((_, i) => results[i].status === 'rejected');
    for (const result of results) if (result.status === 'rejected') console.warn(`Reading back after the feed connected failed: ${result.reason?.message ?? result.reason}`);
    const refusal = results.find(result => result.status === 'rejected' && isRefusal(result.reason));
    if (refusal) {
      this.stop();
      this.#show('closed', `${refusal.reason.message}; sign in again`);
      return;
    }

    if (failed.length === 0) {
      this.synced = true;
      this.wasLive = true;
      this.#show(this.state, this.reason);
      return;
    }

    const wait = Math.min(longestResyncWait, 1000 * 2 ** attempt) * (0.75 + Math.random() / 2);
    this.resyncTimer = setTimeout(() => this.#resync(connection, failed, attempt + 1), wait);
  }

  /** A read-back under way belongs to the connection it started on: a later connection or a stop ends it. */
  #endResync() {
    this.connection += 1;
    this.synced = false;
    clearTimeout(this.resyncTimer);
  }

  #show(state, reason) {
    this.state = state;
    this.reason = reason;
    if (state !== 'live') this.#endResync();
    // Open but not yet read back: still (re)connecting, as far as what the page shows goes.
    const shown = state === 'live' && !this.synced ? (this.wasLive ? 'reconnecting' : 'connecting') : state;
    this.badge.dataset.state = shown === 'closed' ? 'offline' : shown;
    this.badge.textContent = shown === 'closed' && reason ? `offline: ${reason}` : badgeTexts[shown];
    this.badge.title = shown === 'live' ? `Following ${this.scope === 'all' ? "everyone's" : 'your'} tasks as they change` : '';
  }
}

/** The gateway refused the token or the rights it carries: trying again will not help. */
function isRefusal(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
