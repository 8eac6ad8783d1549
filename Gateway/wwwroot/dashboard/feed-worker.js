// The task feed's WebSocket, held off the page's main thread. At the feed's worst case (1,000 tasks each
// changing twice a second) the page's own script took a few microseconds a message, but the browser's
// work around each one (decoding the frame, dispatching its event) kept the main thread 20–50 % busy.
// Here each message is parsed and kept as the newest change (by `seq`) of its task, batch or schedule,
// and the page gets what changed in one message at most ten times a second, and only once it has
// acknowledged the one before: a page that is blocked (a hidden tab, a long task) leaves the changes
// here, one per item, instead of a queue of batches growing without bound. Any other message
// (`connected`) goes to the page at once, after the changes held before it, so the order is kept.
import { Throttle } from './throttle.js';

const postInterval = 100;
const held = new Map();
const posting = new Throttle(() => post(), postInterval);
let socket = null;
let awaitingAck = false;

self.onmessage = ({ data }) => {
  if (data.ack) acknowledged();
  else if (data.open) open(data.open);
  else if (data.close && socket?.readyState <= WebSocket.OPEN) socket.close(data.close);
};

function open(url) {
  socket = new WebSocket(url);
  socket.onopen = () => self.postMessage({ event: 'open' });
  socket.onmessage = event => receive(JSON.parse(event.data));
  socket.onclose = event => {
    post();
    self.postMessage({ event: 'close', code: event.code, reason: event.reason });
  };
}

function receive(message) {
  const key = keyOf(message);
  if (key === null) {
    post([message]);
    return;
  }

  const older = held.get(key);
  if (!older || (message.seq ?? 0) >= (older.seq ?? 0)) held.set(key, message);
  if (!awaitingAck) posting.request();
}

function acknowledged() {
  awaitingAck = false;
  if (held.size > 0) posting.request();
}

function keyOf(message) {
  switch (message.type) {
    case 'task': return `task ${message.task_id}`;
    case 'batch': return `batch ${message.batch_id}`;
    case 'schedule': return `schedule ${message.schedule_id}`;
    default: return null;
  }
}

/** Hands the page the changes held, then `after`; the page answers `{ ack: true }` when it has taken them. */
function post(after = []) {
  if (held.size === 0 && after.length === 0) return;
  self.postMessage({ event: 'messages', messages: [...held.values(), ...after] });
  held.clear();
  awaitingAck = true;
}
