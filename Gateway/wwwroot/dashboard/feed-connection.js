// Opens the task feed's WebSocket in a worker (see feed-worker.js) for LiveSocket: the page gets the
// feed's changes a batch at a time instead of one browser event per message, and acknowledges each
// batch so that the worker sends the next only then.
export function openFeedWorker(url, { onOpen, onMessage, onClose, onUnavailable }) {
  const worker = new Worker(new URL('./feed-worker.js', import.meta.url), { type: 'module' });
  let opened = false;
  let closed = false;
  let closing = false;
  const finish = (code, reason) => {
    if (closed) return;
    closed = true;
    worker.terminate();
    onClose(code, reason);
  };

  worker.onmessage = ({ data }) => {
    if (data.event === 'open') {
      opened = true;
      onOpen();
    } else if (data.event === 'close') {
      finish(data.code, data.reason);
    } else {
      // As with a WebSocket, nothing is delivered once it is being closed (the worker may still hold changes).
      if (!closing) data.messages.forEach(deliver);
      worker.postMessage({ ack: true });
    }
  };
  const deliver = message => {
    try {
      onMessage(message);
    } catch (error) {
      console.error('A feed message could not be applied:', message, error);
    }
  };
  // A worker that fails before its socket opens (its script not loaded) is unavailable: LiveSocket
  // decides whether to do without it. Once open, a failure is a connection lost.
  worker.onerror = event => {
    event.preventDefault?.();
    if (closed) return;
    if (opened) {
      console.warn(`The feed's worker failed: ${event.message}`);
      finish(1006, '');
    } else {
      closed = true;
      worker.terminate();
      onUnavailable(event.message ?? 'its script did not load');
    }
  };
  worker.postMessage({ open: url.href });
  return {
    close: code => {
      closing = true;
      worker.postMessage({ close: code });
    },
  };
}
