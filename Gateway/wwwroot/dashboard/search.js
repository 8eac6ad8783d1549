// Full-text search over one collection. Snippets come from the gateway as escaped HTML with <mark>.
import { request } from './api.js';
import { element } from './format.js';

export class SearchView {
  constructor() {
    document.getElementById('search').addEventListener('submit', async event => {
      event.preventDefault();
      const query = new URLSearchParams({ collection: document.getElementById('search-collection').value, q: document.getElementById('search-query').value, limit: 20 });
      const list = document.getElementById('search-results');
      try {
        const answer = await request('GET', `/api/search?${query}`);
        list.replaceChildren(...answer.hits.map(hit => {
          const snippet = element('p', { class: 'snippet' });
          snippet.innerHTML = hit.snippet;
          return element('li', {}, element('strong', { text: hit.title ?? hit.id }), ` (${hit.id}, score ${hit.score.toFixed(2)})`, snippet);
        }));
        if (answer.hits.length === 0) list.replaceChildren(element('li', { text: 'No matches.' }));
      } catch (error) {
        list.replaceChildren(element('li', { class: 'error', text: error.message }));
      }
    });
  }
}
