// The page's one feed of changes (`/ws/tasks`): every view that lists tasks, batches or schedules
// listens to it, however many tasks run. The badge tells whether it is connected. The socket is held by
// a worker, which hands the page the changes in batches, the newest of each item only.
import { LiveSocket } from './socket.js';
import { openFeedWorker } from './feed-connection.js';

const badgeTexts = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'offline' };

export class TaskFeed {
  constructor(badge) {
    this.badge = badge;
    this.listeners = new Set();
    this.socket = null;
    this.scope = 'mine';
    this.ownerId = null;
    this.received = 0;
  }

  /**
   * A listener may have `onTask(task)`, called for every change of a task, `onItem(type, item)`, for every
   * change of a batch (`batch`) or schedule (`schedule`), and `onResync()`, called on every (re)connection.
   */
  subscribe(listener) {
    this.listeners.add(listener);
  }

  /** Follows the user's own tasks (`mine`) or, for an admin, everyone's (`all`). */
  start(scope = this.scope) {
    this.stop();
    this.scope = scope;
    this.socket = new LiveSocket(`/ws/tasks?scope=${scope}`, {
      onMessage: message => this.#receive(message),
      onState: (state, reason) => this.#show(state, reason),
      connect: openFeedWorker,
    });
  }

  stop() {
    this.socket?.close();
    this.socket = null;
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
      for (const listener of this.listeners) Promise.resolve(listener.onResync()).catch(error => console.warn(error));
    }
  }

  #show(state, reason) {
    this.badge.dataset.state = state === 'closed' ? 'offline' : state;
    this.badge.textContent = state === 'closed' && reason ? `offline: ${reason}` : badgeTexts[state];
    this.badge.title = state === 'live' ? `Following ${this.scope === 'all' ? "everyone's" : 'your'} tasks as they change` : '';
  }
}
