// The new-task form: typed-in documents, uploaded files, or a directory on the server.
import { request } from './api.js';

export class CreateView {
  constructor(onCreated) {
    const form = document.getElementById('create-task');
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const result = document.getElementById('create-result');
      result.textContent = 'Creating…';
      try {
        const body = await this.body();
        const accepted = await request('POST', '/api/tasks', body);
        result.textContent = `Task ${accepted.task_id} accepted`;
        onCreated(accepted, body.collection);
      } catch (error) {
        result.textContent = error.message;
      }
    });
  }

  async body() {
    const collection = document.getElementById('create-collection').value.trim();
    const source = document.querySelector('input[name="source"]:checked').value;
    if (source === 'directory') {
      return { collection, source: { directory: document.getElementById('create-directory').value, pattern: document.getElementById('create-pattern').value } };
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
}
