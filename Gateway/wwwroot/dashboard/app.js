// The dashboard: sign-in, then the views on the page's one task feed. The address names what is shown
// (`#/tasks/{id}` opens a task's details), so that it can be shared.
import { request, session, signIn } from './api.js';
import { TaskFeed } from './feed.js';
import { StatusCounts } from './counts.js';
import { TasksView } from './tasks.js';
import { DetailsView } from './details.js';
import { CreateView } from './create.js';
import { BatchesView } from './batches.js';
import { SchedulesView } from './schedules.js';
import { SearchView } from './search.js';

const feed = new TaskFeed(document.getElementById('connection'));
const counts = new StatusCounts(document.getElementById('task-counts'), status => {
  document.getElementById('filter-status').value = status;
  location.hash = '#/tasks';
  tasks.first({ byUser: true }).catch(error => alert(error.message));
});
const tasks = new TasksView(feed, counts);
const details = new DetailsView();
const views = { tasks, batches: new BatchesView(feed), schedules: new SchedulesView(feed) };
new SearchView();
new CreateView(accepted => {
  show('tasks', false);
  // The feed brings the new task too; reading it here shows it even while the feed reconnects.
  request('GET', `/api/tasks/${accepted.task_id}`).then(task => tasks.onTask(task, false), error => console.warn(error));
});

let shown = null;

function show(name, reload = true) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-pressed', String(button.dataset.view === name));
  for (const panel of document.querySelectorAll('[data-view-panel]')) panel.hidden = panel.dataset.viewPanel !== name;
  for (const [viewName, view] of Object.entries(views)) if (viewName !== 'tasks') view.visible = viewName === name;
  shown = name;
  // The user is told only of their own read's failure: a background read that overlapped it reports its own.
  if (reload) views[name]?.load({ byUser: true }).catch(error => alert(error.message));
}

/** `#/tasks/{id}` shows that task's details over the task list; anything else closes them. */
function route() {
  const match = /^#\/tasks\/([0-9a-fA-F-]{36})$/.exec(location.hash);
  if (match) {
    if (shown !== 'tasks') show('tasks');
    details.open(match[1].toLowerCase());
  } else {
    details.close();
  }
}

function start() {
  const claims = session.claims;
  document.getElementById('sign-in-view').hidden = true;
  document.getElementById('app').hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('orleans-dashboard').hidden = !session.isAdmin;
  // delete_missing removes what other users wrote too: only admins may ask for it.
  document.getElementById('create-delete-missing-label').hidden = !session.isAdmin;
  document.getElementById('user').textContent = `${claims?.sub ?? 'signed in'}${session.isAdmin ? ' (admin)' : ''}`;
  feed.start(tasks.scope);
  show('tasks');
  route();
}

for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => show(button.dataset.view));
window.addEventListener('hashchange', () => { if (session.token) route(); });
document.getElementById('details-close').addEventListener('click', () => { location.hash = '#/tasks'; });

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
  feed.stop();
  details.close();
  session.token = null;
  location.hash = '';
  location.reload();
});

if (session.token && session.claims?.exp * 1000 > Date.now()) start();
