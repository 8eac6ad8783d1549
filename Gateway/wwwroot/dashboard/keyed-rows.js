// The rows of a table body by key: a reload rewrites the cells of the rows whose item changed, adds new
// ones and drops gone ones, so that an unchanged row (and the button a user is about to press) stays.
export class KeyedRows {
  constructor(body, keyAttribute, cellsOf) {
    this.body = body;
    this.keyAttribute = keyAttribute;
    this.cellsOf = cellsOf;
    this.rows = new Map();
  }

  /** Shows [key, item] pairs in their order; answers the keys. */
  show(entries) {
    const rows = new Map();
    for (const [key, item] of entries) {
      const json = JSON.stringify(item);
      let row = this.rows.get(key);
      if (!row) {
        row = { tr: document.createElement('tr'), json: null };
        row.tr.setAttribute(this.keyAttribute, key);
      }

      if (row.json !== json) {
        row.tr.replaceChildren(...this.cellsOf(item));
        row.json = json;
      }

      rows.set(key, row);
    }

    this.rows = rows;
    const order = [...rows.values()].map(row => row.tr);
    const children = this.body.children;
    if (order.length !== children.length || order.some((tr, index) => children[index] !== tr)) this.body.replaceChildren(...order);
    return [...rows.keys()];
  }
}
