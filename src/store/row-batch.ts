/**
 * Rows of one table inserted several at a time, by one multi-row INSERT (`VALUES (…),(…),…`).
 * A statement's run costs about 0.7 µs before its first column (the call into SQLite, the step, the
 * reset, the result object): paid once per row, it was a third of an access row's insert. The rows
 * wait in one reused array (no allocation per row) until ROWS_PER_INSERT of them are there, or until
 * flush(), which the ingest calls before every commit and before it deletes rows: a row is in the
 * database only after that.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

/** Rows per multi-row INSERT: past 16 the gain flattens (docs/performance.md). */
export const ROWS_PER_INSERT = 16;

export class RowBatch {
  /** The waiting rows' values, row after row: a writer fills one row from `start()`, then calls `rowDone()`. */
  readonly values: unknown[];
  /** Values written so far (the next row starts here). */
  filled = 0;
  private readonly one: Statement;
  private readonly many: Statement;

  constructor(db: Db, table: string, private readonly columns: readonly string[], verb: 'INSERT' | 'INSERT OR REPLACE' = 'INSERT') {
    const row = `(${columns.map(() => '?').join(',')})`;
    const head = `${verb} INTO ${table} (${columns.join(', ')}) VALUES `;
    this.one = db.prepare(head + row);
    this.many = db.prepare(head + Array<string>(ROWS_PER_INSERT).fill(row).join(','));
    this.values = new Array<unknown>(columns.length * ROWS_PER_INSERT).fill(null);
  }

  /** Where the next row's values go: write `columns.length` values from there, then call `rowDone`. */
  start(): number {
    return this.filled;
  }

  rowDone(): void {
    this.filled += this.columns.length;
    if (this.filled === this.values.length) {
      this.many.run(...this.values);
      this.filled = 0;
    }
  }

  /** Inserts the rows still waiting (fewer than a full INSERT), one statement each. */
  flush(): void {
    const w = this.columns.length;
    for (let o = 0; o < this.filled; o += w) this.one.run(...this.values.slice(o, o + w));
    this.filled = 0;
  }
}
