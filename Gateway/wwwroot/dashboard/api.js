// The REST side of the dashboard: the session's token and JSON requests that turn problem details into errors.
const tokenKey = 'orleans-tasks.token';

export class ApiError extends Error {
  constructor(status, problem) {
    const fieldErrors = problem?.errors ? Object.entries(problem.errors).map(([field, messages]) => `${field}: ${messages.join(' ')}`) : [];
    super([problem?.title ?? `HTTP ${status}`, problem?.detail, ...fieldErrors].filter(Boolean).join(' — '));
    this.status = status;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(tokenKey); },
  set token(value) { value ? sessionStorage.setItem(tokenKey, value) : sessionStorage.removeItem(tokenKey); },

  /** The claims of the current token, read without checking it: the gateway checks it. */
  get claims() {
    try {
      const payload = this.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(payload));
    } catch {
      return null;
    }
  },

  get isAdmin() {
    const role = this.claims?.role;
    return Array.isArray(role) ? role.includes('admin') : role === 'admin';
  },
};

// A read with no answer by then fails (and is tried again where the page retries it) rather than
// waiting for ever on a connection that hangs. Writes are not cut short (one may have been done), but
// for those that `timesOut` says may be asked again (a socket ticket: one never used expires).
const answerTimeout = 20000;

export async function request(method, path, body, extraHeaders = {}, { timesOut = method === 'GET' } = {}) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const signal = timesOut ? AbortSignal.timeout(answerTimeout) : undefined;
  let response, text;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    text = await response.text();
  } catch (error) {
    if (error.name === 'TimeoutError') throw new Error(`${method} ${path} had no answer within ${answerTimeout / 1000} s`);
    throw error;
  }

  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export async function signIn(username, password) {
  const answer = await request('POST', '/api/auth/token', { username, password });
  session.token = answer.access_token;
}

/** A single-use ticket, so that no token goes into a socket's URL; one with no answer within 20 s fails, to be asked for again. */
export async function ticket() {
  return (await request('POST', '/api/ws-tickets', undefined, {}, { timesOut: true })).ticket;
}
