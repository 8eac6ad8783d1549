// One WebSocket to the gateway, opened with a single-use ticket (no token in a URL) and reopened with
// backoff when the connection drops (a restarted gateway, a lost network), until it is closed here or
// the gateway closes it with a code that says reopening is pointless (a refusal, a finished task).
import { ApiError, ticket } from './api.js';

const refused = 1008;
const longestWait = 15000;

export class LiveSocket {
  /**
   * @param path the socket's path and query, e.g. '/ws/tasks?scope=all'
   * @param onMessage called with each JSON message
   * @param onState called with 'connecting', 'live', 'reconnecting' or 'closed' (and the reason)
   * @param finalCodes close codes after which the socket stays closed
   */
  constructor(path, { onMessage, onState = () => {}, finalCodes = [refused] }) {
    this.path = path;
    this.onMessage = onMessage;
    this.onState = onState;
    this.finalCodes = new Set(finalCodes);
    this.attempt = 0;
    this.stopped = false;
    this.socket = null;
    this.timer = null;
    this.#state('connecting');
    this.#open();
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }

  async #open() {
    let url;
    try {
      url = new URL(`${this.path}${this.path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(await ticket())}`, location.href);
    } catch (error) {
      // A refused token will not be accepted on the next try either: the user signs in again.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) this.#finish(error.message);
      else this.#retry();
      return;
    }

    if (this.stopped) return;
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => { this.attempt = 0; this.#state('live'); };
    socket.onmessage = event => this.onMessage(JSON.parse(event.data));
    socket.onclose = event => {
      if (this.stopped || socket !== this.socket) return;
      if (this.finalCodes.has(event.code)) this.#finish(event.reason);
      else this.#retry();
    };
  }

  #retry() {
    if (this.stopped) return;
    const delay = Math.min(longestWait, 1000 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    this.#state('reconnecting');
    this.timer = setTimeout(() => this.#open(), delay);
  }

  #finish(reason) {
    this.stopped = true;
    this.#state('closed', reason);
  }

  #state(state, reason = '') {
    if (!this.stopped || state === 'closed') this.onState(state, reason);
  }
}
