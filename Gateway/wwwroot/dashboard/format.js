// Small formatting helpers shared by the views.
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter(child => child !== null && child !== undefined));
  return node;
}

export function shortId(id) {
  return id.slice(0, 8);
}

export function seconds(from, to) {
  return Math.max(0, ((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000);
}

export function duration(totalSeconds) {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function time(value) {
  return value ? new Date(value).toLocaleString() : '—';
}

export const terminal = new Set(['completed', 'failed', 'cancelled']);

/**
 * Whether a task can be retried: ended with failed or unprocessed documents, and not retried yet. A source task's
 * retry reads its whole source again; any other has nothing left once it reached every document and none failed.
 */
export function retryable(task) {
  if (task.retried_by || !terminal.has(task.status)) return false;
  if (task.status === 'completed' || !task.source) return task.counts.failed > 0 || task.current < task.total;
  return true;
}

/** A fresh Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), byte => byte.toString(16).padStart(2, '0')).join('');
}

/** A link to a task's details, by its address. */
export function taskLink(taskId) {
  return element('a', { href: `#/tasks/${taskId}`, text: taskId, 'data-task-id': taskId });
}

/** A retry policy as the API shows it, in words: "at most 4 attempts · first wait PT2S · backoff × 1.5 · longest wait PT5S". */
export function retryText(retry) {
  if (!retry) return 'none';
  return [
    retry.max_attempts ? `at most ${retry.max_attempts} attempts` : null,
    retry.initial_interval ? `first wait ${retry.initial_interval}` : null,
    retry.backoff ? `backoff × ${retry.backoff}` : null,
    retry.max_interval ? `longest wait ${retry.max_interval}` : null,
  ].filter(Boolean).join(' · ') || 'none';
}

/** A queued task's place in the cluster's queue, as `queue_position` gives it: 1 takes the next free slot. */
export function queueText(position) {
  return position === 1 ? '1 · starts next' : `${position} · ${position - 1} ahead`;
}

/** The attempt a task is on, and when the next one starts while it waits for it. */
export function attemptText(task) {
  const attempt = `${task.attempt ?? 1}`;
  return task.next_attempt_at ? `${attempt} · next at ${time(task.next_attempt_at)}` : attempt;
}

const wholeNumber = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Speed and time left as tqdm and Flower show them: "312 docs/s · 14 s left" while it runs, the average once ended. */
export function rateText(task) {
  if (task.rate === null || task.rate === undefined) return '—';
  const speed = `${(task.rate >= 10 ? wholeNumber : oneDecimal).format(task.rate)} docs/s`;
  const running = task.status === 'processing' && task.eta_seconds !== null && task.eta_seconds !== undefined;
  return running ? `${speed} · ${duration(task.eta_seconds)} left` : speed;
}
