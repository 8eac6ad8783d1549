// Streams a JSON-lines file to POST /api/uploads. XMLHttpRequest, not fetch: the browser reads the
// file from disk as it sends it (never whole into memory), and only XHR reports how much has gone.
import { ApiError, session } from './api.js';

/** Sends `file`; `onProgress(sent, total)` follows the bytes. Resolves with `{upload_id, bytes, lines}`. */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/uploads');
    xhr.setRequestHeader('Content-Type', 'application/x-ndjson');
    xhr.setRequestHeader('Accept', 'application/json');
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.upload.addEventListener('progress', event => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      let json = null;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        json = null;
      }

      if (xhr.status === 201) resolve(json);
      else reject(new ApiError(xhr.status, json));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload was cut off: the connection to the server failed.')));
    xhr.addEventListener('abort', () => reject(new Error('The upload was stopped.')));
    xhr.send(file);
  });
}
