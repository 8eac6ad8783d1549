// The page's one feed of changes (`/ws/tasks`): every view that lists tasks, batches or schedules
// listens to it, however many tasks run. The socket is held by a worker, which hands the page the
// changes in batches, the newest of each item only. On every (re)connection the views read back what
// changed while the feed was away; a read that fails (a rate limit, a database outage) is tried again
// with backoff until it succeeds, but for a refusal of the user's token or rights (401, 403: it expired,
// or the admin role was withdrawn), which the next try would meet too: the feed then stops, and the badge
// says what to do (sign in again, or untick "everyone's" when it is everyone's tasks that were refused).
// The badge reads "live" once the socket is open and that read-back has succeeded: until then the page
// may show what is no longer so. A moment later the task list is read once more, for a task's end that a
// read just after (re)connecting may have missed (a task publishes a change before its history row is
// written, and the feed does not send it again); that read is tried again a few times while it fails,
// with the badge live, and should it still fail, the badge goes back to "reconnecting" and the views
// read back again.
import { ApiError } from './api.js';
import { LiveSocket } from './socket.js';
import { openFeedWorker } from './feed-connection.js';

const badgeTexts = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'offline' };
const longestResyncWait = 15000;

// How long after a read-back the views read once more: longer than a history write takes.
const rereadAfter = 2000;

// How many times that read is tried before the feed reads back again.
const rereadAttempts = 3;

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
   * change of a batch (`batch`) or schedule (`schedule`), `onResync()`, called on every (re)connection
   * and called again, with backoff, for as long as the promise it answers fails, and `onReread()`, called
   * a moment after all have succeeded and again, with backoff, a few times at most, while its promise fails.
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
    const failed = this.#failed(listeners, results, 'Reading back after the feed connected');
    if (!failed) return;
    if (failed.length === 0) {
      this.synced = true;
      this.wasLive = true;
      this.#show(this.state, this.reason);
      this.resyncTimer = setTimeout(() => this.#reread(connection, [...this.listeners].filter(listener => listener.onReread), 0), rereadAfter);
      return;
    }

    this.resyncTimer = setTimeout(() => this.#resync(connection, failed, attempt + 1), backoff(attempt));
  }

  /** Reads once more through each of `listeners`, live; those that fail are tried again, a few times at most, then all read back. */
  async #reread(connection, listeners, attempt) {
    const results = await Promise.allSettled(listeners.map(listener => listener.onReread()));
    if (connection !== this.connection) return;
    const failed = this.#failed(listeners, results, 'Reading again after the feed connected');
    if (!failed || failed.length === 0) return;
    if (attempt + 1 < rereadAttempts) {
      this.resyncTimer = setTimeout(() => this.#reread(connection, failed, attempt + 1), backoff(attempt));
      return;
    }

    // What the page shows may be stale after all: the badge says so until the views have read back again.
    this.synced = false;
    this.#show(this.state, this.reason);
    this.#resync(connection, [...this.listeners], 0);
  }

  /**
   * The listeners whose read failed (logged); none (null) when one was refused for the user's token or
   * rights, which the next try would meet too: the feed then stops, and the badge says what to do.
   */
  #failed(listeners, results, what) {
    for (const result of results) if (result.status === 'rejected') console.warn(`${what} failed: ${result.reason?.message ?? result.reason}`);
    const refusal = results.find(result => result.status === 'rejected' && isRefusal(result.reason))?.reason;
    if (refusal) {
      // Only admins may follow everyone's tasks: one who is no longer can still follow their own.
      const remedy = refusal.status === 403 && this.scope === 'all' ? 'untick "everyone\'s"' : 'sign in again';
      this.stop();
      this.#show('closed', `${refusal.message.replace(/\.$/, '')}; ${remedy}`);
      return null;
    }

    return listeners.filter((_, i) => results[i].status === 'rejected');
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

function backoff(attempt) {
  return Math.min(longestResyncWait, 1000 * 2 ** attempt) * (0.75 + Math.random() / 2);
}

/** The gateway refused the token or the rights it carries: trying again will not help. */
function isRefusal(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
