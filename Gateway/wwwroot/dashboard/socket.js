// One WebSocket to the gateway, opened with a single-use ticket (no token in a URL) and reopened with
// backoff when the connection drops (a restarted gateway, a lost network), until it is closed here or
// the gateway closes it with a code that says reopening is pointless (a refusal, a finished task).
// The ticket is asked for again the same way when its request fails, or has no answer within 20 s (a
// gateway that accepts and never answers), but for a refusal of the user's token (401, 403).
// The socket itself is opened by `connect`: here on the page, or in a worker (feed-connection.js). A
// `connect` that cannot be used (it throws, or reports itself unavailable before its first socket
// opened) is replaced by a socket on the page for the rest of the session, with a warning.
import { ApiError, ticket } from './api.js';

const refused = 1008;
const longestWait = 15000;

export class LiveSocket {
  /**
   * @param path the socket's path and query, e.g. '/ws/tasks?scope=all'
   * @param onMessage called with each JSON message
   * @param onState called with 'connecting', 'live', 'reconnecting' or 'closed' (and the reason)
   * @param finalCodes close codes after which the socket stays closed
   * @param connect opens the socket: `connect(url, { onOpen, onMessage, onClose(code, reason), onUnavailable(reason) })` answers `{ close(code) }`
   */
  constructor(path, { onMessage, onState = () => {}, finalCodes = [refused], connect = openWebSocket }) {
    this.path = path;
    this.onMessage = onMessage;
    this.onState = onState;
    this.finalCodes = new Set(finalCodes);
    this.connect = connect;
    this.attempt = 0;
    this.stopped = false;
    this.connection = null;
    this.timer = null;
    this.opened = false;
    this.#state('connecting');
    this.#open();
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.connection?.close(1000);
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
    let connection = null;
    const handlers = {
      onOpen: () => { this.attempt = 0; this.opened = true; this.#state('live'); },
      onMessage: message => this.onMessage(message),
      onClose: (code, reason) => {
        if (this.stopped || connection !== this.connection) return;
        if (this.finalCodes.has(code)) this.#finish(reason);
        else this.#retry();
      },
      onUnavailable: reason => {
        if (this.stopped || connection !== this.connection) return;
        // Once a socket opened this way, a later failure is the network's: it is tried again as it was.
        if (this.opened) this.#retry();
        else this.#withoutConnect(reason);
      },
    };
    try {
      connection = this.connect(url, handlers);
    } catch (error) {
      this.#withoutConnect(error.message);
      return;
    }

    this.connection = connection;
  }

  #withoutConnect(reason) {
    if (this.connect === openWebSocket) {
      this.#retry();
      return;
    }

    console.warn(`The feed worker could not be loaded: ${reason}; the feed is read on the page instead.`);
    this.connect = openWebSocket;
    this.#open();
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

function openWebSocket(url, { onOpen, onMessage, onClose }) {
  const socket = new WebSocket(url);
  socket.onopen = onOpen;
  socket.onmessage = event => onMessage(JSON.parse(event.data));
  socket.onclose = event => onClose(event.code, event.reason);
  return { close: code => { if (socket.readyState <= WebSocket.OPEN) socket.close(code); } };
}
