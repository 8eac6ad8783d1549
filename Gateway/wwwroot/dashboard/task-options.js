// The create form's priority, time limit and retry policy, read into the fields of POST /api/tasks
// (docs/protocol.md, "Priorities and admission" and 6.1.1). A field left empty is left out, so the
// silo's defaults apply; input the API would refuse is refused here first, naming the field.
const day = 24 * 60 * 60;

/** `{priority, timeout?, retry?}` from the form's inputs; throws an Error saying what to fix. */
export function readTaskOptions() {
  const options = { priority: document.getElementById('create-priority').value };
  // "none" asks for no limit even where the silo sets a default (Tasks:DefaultTimeout).
  if (document.getElementById('create-timeout').value.trim().toLowerCase() === 'none') {
    options.timeout = 'none';
  } else {
    const minutes = number('create-timeout', 'Time limit', { min: 1 / 60, max: 30 * 24 * 60, expected: 'a number of minutes from 0.017 (1 second) to 43200 (30 days), or none' });
    if (minutes !== null) options.timeout = isoDuration(minutes * 60);
  }

  const retry = {};
  const attempts = number('create-retry-attempts', 'Max attempts', { min: 1, max: 100, whole: true, expected: 'a whole number from 1 to 100' });
  if (attempts !== null) retry.max_attempts = attempts;
  const initial = number('create-retry-initial', 'First wait', { min: 0.001, max: day, expected: 'a number of seconds from 0.001 to 86400 (1 day)' });
  if (initial !== null) retry.initial_interval = isoDuration(initial);
  const backoff = number('create-retry-backoff', 'Backoff', { min: 1, max: 10, expected: 'a number from 1 to 10' });
  if (backoff !== null) retry.backoff = backoff;
  const longest = number('create-retry-max', 'Longest wait', { min: 0.001, max: day, expected: 'a number of seconds from 0.001 to 86400 (1 day)' });
  if (longest !== null) retry.max_interval = isoDuration(longest);
  if (Object.keys(retry).length > 0) options.retry = retry;
  return options;
}

/** Seconds as an ISO 8601 duration: whole minutes as `PT30M`, anything else as `PT1.5S`. */
export function isoDuration(totalSeconds) {
  const millis = Math.round(totalSeconds * 1000);
  return millis % 60000 === 0 ? `PT${millis / 60000}M` : `PT${millis / 1000}S`;
}

function number(id, label, { min, max, whole = false, expected }) {
  const text = document.getElementById(id).value.trim();
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new Error(`${label}: "${text}" is not ${expected}; leave it empty for the default.`);
  }

  return value;
}
