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

const wholeNumber = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Speed and time left as tqdm and Flower show them: "312 docs/s · 14 s left" while it runs, the average once ended. */
export function rateText(task) {
  if (task.rate === null || task.rate === undefined) return '—';
  const speed = `${(task.rate >= 10 ? wholeNumber : oneDecimal).format(task.rate)} docs/s`;
  const running = task.status === 'processing' && task.eta_seconds !== null && task.eta_seconds !== undefined;
  return running ? `${speed} · ${duration(task.eta_seconds)} left` : speed;
}
