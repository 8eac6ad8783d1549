// The new-task form: typed-in documents, files from this computer, a JSON-lines file uploaded first
// (streamed to POST /api/uploads with its progress shown, then read by the task), or a directory on the server;
// with the task's priority, time limit and retry policy.
import { request } from './api.js';
import { readTaskOptions } from './task-options.js';
import { uploadFile } from './upload.js';

export class CreateView {
  constructor(onCreated) {
    const form = document.getElementById('create-task');
    this.result = document.getElementById('create-result');
    this.progress = document.getElementById('create-upload-progress');
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      this.result.textContent = 'Creating…';
      try {
        const body = await this.body();
        const accepted = await request('POST', '/api/tasks', body);
        this.result.textContent = `Task ${accepted.task_id} accepted`;
        onCreated(accepted, body.collection);
      } catch (error) {
        this.result.textContent = error.message;
      } finally {
        submit.disabled = false;
      }
    });
  }

  async body() {
    // Read first: a refused option is said before a long upload, not after it.
    const options = readTaskOptions();
    return { ...(await this.documents()), ...options };
  }

  async documents() {
    const collection = document.getElementById('create-collection').value.trim();
    const source = document.querySelector('input[name="source"]:checked').value;
    const deleteMissing = document.getElementById('create-delete-missing').checked ? { delete_missing: true } : {};
    if (source === 'directory') {
      return { collection, source: { directory: document.getElementById('create-directory').value, pattern: document.getElementById('create-pattern').value, ...deleteMissing } };
    }

    if (source === 'upload') {
      const uploaded = await this.upload(document.getElementById('create-upload').files[0]);
      this.result.textContent = `Uploaded ${uploaded.lines} documents; creating the task…`;
      return { collection, source: { upload: uploaded.upload_id, ...deleteMissing } };
    }

    if (source === 'files') {
      const files = [...document.getElementById('create-files').files];
      return { collection, documents: await Promise.all(files.map(async file => ({ id: file.name, title: file.name, content: await file.text() }))) };
    }

    const documents = document.getElementById('create-inline').value.split('\n')
      .map(line => line.trim()).filter(Boolean)
      .map((line, index) => {
        const colon = line.indexOf(':');
        return colon > 0 ? { id: line.slice(0, colon).trim(), content: line.slice(colon + 1).trim() } : { id: `line-${index + 1}`, content: line };
      });
    return { collection, documents };
  }

  async upload(file) {
    if (!file) throw new Error('Choose a JSON-lines file to upload: one {"id","title","content"} a line.');
    this.progress.value = 0;
    this.progress.hidden = false;
    try {
      return await uploadFile(file, (sent, total) => {
        this.progress.max = total;
        this.progress.value = sent;
        this.result.textContent = `Uploading ${file.name}: ${Math.floor((sent * 100) / total)} %`;
      });
    } finally {
      this.progress.hidden = true;
    }
  }
}
