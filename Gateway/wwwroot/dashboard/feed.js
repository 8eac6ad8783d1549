// Live feeds over WebSocket: one socket per watched task or batch, opened with a single-use ticket,
// reopened with backoff when the connection drops (a restarted gateway, a lost network), and the
// whole page's connection state in one badge.
import { ticket } from './api.js';

const finished = 1000;
const refused = 1008;

export class Feeds {
  constructor(badge) {
    this.badge = badge;
    this.watches = new Set();
  }

  /** Follows a task or batch until its terminal message; returns a function that stops following. */
  watch(kind, id, onMessage) {
    const watch = { kind, id, onMessage, socket: null, attempt: 0, stopped: false, connected: false, timer: null };
    this.watches.add(watch);
    this.#open(watch);
    this.#render();
    return () => this.#stop(watch);
  }

  stopAll() {
    for (const watch of [...this.watches]) this.#stop(watch);
  }

  async #open(watch) {
    if (watch.stopped) return;
    try {
      const url = new URL(`/ws/${watch.kind}/${watch.id}?ticket=${encodeURIComponent(await ticket())}`, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      if (watch.stopped) return;
      const socket = new WebSocket(url);
      watch.socket = socket;
      socket.onopen = () => { watch.connected = true; watch.attempt = 0; this.#render(); };
      socket.onmessage = event => watch.onMessage(JSON.parse(event.data));
      socket.onclose = event => {
        watch.connected = false;
        if (event.code === finished || event.code === refused) this.#stop(watch);
        else this.#retry(watch);
      };
    } catch {
      this.#retry(watch);
    }
  }

  #retry(watch) {
    if (watch.stopped) return;
    const delay = Math.min(30000, 1000 * 2 ** watch.attempt) * (0.75 + Math.random() / 2);
    watch.attempt += 1;
    watch.timer = setTimeout(() => this.#open(watch), delay);
    this.#render();
  }

  #stop(watch) {
    watch.stopped = true;
    clearTimeout(watch.timer);
    if (watch.socket && watch.socket.readyState <= WebSocket.OPEN) watch.socket.close(1000);
    this.watches.delete(watch);
    this.#render();
  }

  #render() {
    const watches = [...this.watches];
    const waiting = watches.filter(watch => !watch.connected).length;
    const state = watches.length === 0 ? 'idle' : waiting === 0 ? 'live' : watches.some(w => w.attempt > 0) ? 'reconnecting' : 'connecting';
    this.badge.dataset.state = state;
    this.badge.textContent = state === 'idle' ? 'no live feeds'
      : state === 'live' ? `live (${watches.length})`
      : `${state} (${waiting} of ${watches.length})`;
  }
}
