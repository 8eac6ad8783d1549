// Opens the task feed's WebSocket in a worker (see feed-worker.js) for LiveSocket: the page gets the
// feed's changes a batch at a time instead of one browser event per message.
export function openFeedWorker(url, { onOpen, onMessage, onClose }) {
  const worker = new Worker(new URL('./feed-worker.js', import.meta.url), { type: 'module' });
  let closed = false;
  let closing = false;
  const finish = (code, reason) => {
    if (closed) return;
    closed = true;
    worker.terminate();
    onClose(code, reason);
  };

  worker.onmessage = ({ data }) => {
    if (data.event === 'open') onOpen();
    else if (data.event === 'close') finish(data.code, data.reason);
    // As with a WebSocket, nothing is delivered once it is being closed (the worker may still hold changes).
    else if (!closing) for (const message of data.messages) onMessage(message);
  };
  // A worker that cannot start (its script not loaded) is a connection lost: LiveSocket tries again.
  worker.onerror = event => {
    console.warn(`The feed's worker failed: ${event.message}`);
    finish(1006, '');
  };
  worker.postMessage({ open: url.href });
  return {
    close: code => {
      closing = true;
      worker.postMessage({ close: code });
    },
  };
}
