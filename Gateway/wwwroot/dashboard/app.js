// The dashboard: sign-in, then the views, each reloaded when shown.
import { request, session, signIn } from './api.js';
import { Feeds } from './feed.js';
import { TasksView } from './tasks.js';
import { CreateView } from './create.js';
import { BatchesView } from './batches.js';
import { SchedulesView } from './schedules.js';
import { SearchView } from './search.js';

const feeds = new Feeds(document.getElementById('connection'));
const tasks = new TasksView(feeds);
const batches = new BatchesView(feeds);
const schedules = new SchedulesView(run => tasks.add({ task_id: run.task_id, status: 'pending', progress: 0, current: 0, total: 0, message: 'Started by its schedule', created_at: run.started_at }, true));
new SearchView();
new CreateView((accepted, collection) => {
  tasks.add({ task_id: accepted.task_id, collection, status: accepted.status, progress: 0, current: 0, total: 0, message: '', created_at: new Date().toISOString() }, true);
  show('tasks', false);
});

const views = { tasks, batches, schedules };

function show(name, reload = true) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-pressed', String(button.dataset.view === name));
  for (const panel of document.querySelectorAll('[data-view-panel]')) panel.hidden = panel.dataset.viewPanel !== name;
  if (reload) views[name]?.load().catch(error => alert(error.message));
}

function start() {
  const claims = session.claims;
  document.getElementById('sign-in-view').hidden = true;
  document.getElementById('app').hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('orleans-dashboard').hidden = !session.isAdmin;
  document.getElementById('user').textContent = `${claims?.sub ?? 'signed in'}${session.isAdmin ? ' (admin)' : ''}`;
  show('tasks');
}

for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => show(button.dataset.view));

document.getElementById('sign-in').addEventListener('submit', async event => {
  event.preventDefault();
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  try {
    const pasted = document.getElementById('pasted-token').value.trim();
    const username = document.getElementById('username').value.trim();
    if (pasted) session.token = pasted;
    else if (username) await signIn(username, document.getElementById('password').value);
    else throw new Error('Give a user and password, or paste a token.');
    start();
  } catch (failure) {
    error.textContent = failure.message;
  }
});

// Operators: trade the token for a cookie that only the Orleans Dashboard's pages accept, then open them.
document.getElementById('orleans-dashboard').addEventListener('click', async () => {
  await request('POST', '/api/operator-session');
  window.open('/orleans/', '_blank', 'noopener');
});

document.getElementById('sign-out').addEventListener('click', () => {
  feeds.stopAll();
  session.token = null;
  location.reload();
});

if (session.token && session.claims?.exp * 1000 > Date.now()) start();
