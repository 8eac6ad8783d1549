// The rows of a table body by key: a reload rewrites the cells of the rows whose item changed, adds new
// ones and drops gone ones, so that an unchanged row (and the button a user is about to press) stays.
// Items carry a `seq` that grows with every change: a row never goes back to an older item than it shows
// (a list read while the feed delivered a newer change). Reads of the list may overlap (a read-back after
// a reconnect, a read for a new item, a button's): the one started last is shown (see LatestRead).
import { LatestRead } from './latest-read.js';

export class KeyedRows {
  constructor(body, keyAttribute, cellsOf) {
    this.body = body;
    this.keyAttribute = keyAttribute;
    this.cellsOf = cellsOf;
    this.rows = new Map();
    this.reads = new LatestRead(body);
  }

  /**
   * Shows the [key, item] pairs `read` answers, unless a read started later is under way or shown: this
   * one then settles as that one does, or, with `byUser`, as it did itself (see LatestRead.run).
   */
  load(read, { byUser = false } = {}) {
    return this.reads.run(read, entries => this.show(entries), { byUser });
  }

  /** Shows [key, item] pairs in their order; answers the keys. */
  show(entries) {
    const rows = new Map();
    for (const [key, item] of entries) {
      const row = this.rows.get(key) ?? this.#newRow(key);
      this.#fill(row, item);
      rows.set(key, row);
    }

    this.rows = rows;
    const order = [...rows.values()].map(row => row.tr);
    const children = this.body.children;
    if (order.length !== children.length || order.some((tr, index) => children[index] !== tr)) this.body.replaceChildren(...order);
    return [...rows.keys()];
  }

  has(key) {
    return this.rows.has(key);
  }

  /** True when a row shows `key`; its cells are then rewritten if `item` is newer than what it shows. */
  update(key, item) {
    const row = this.rows.get(key);
    if (!row) return false;
    this.#fill(row, item);
    return true;
  }

  #newRow(key) {
    const row = { tr: document.createElement('tr'), json: null, seq: -1 };
    row.tr.setAttribute(this.keyAttribute, key);
    return row;
  }

  #fill(row, item) {
    if ((item.seq ?? 0) < row.seq) return;
    const json = JSON.stringify(item);
    if (row.json === json) return;
    row.tr.replaceChildren(...this.cellsOf(item));
    row.json = json;
    row.seq = item.seq ?? 0;
  }
}
