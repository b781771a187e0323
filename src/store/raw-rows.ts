/**
 * The sweeps read two million rows: fetched as arrays (better-sqlite3's raw mode) and built into
 * plain objects here, they cost a third less than the objects better-sqlite3 builds itself, and
 * every row gets the same hidden class. The column order is checked against the SELECT once, so a
 * changed query fails loudly instead of shifting fields.
 */
import type { Statement } from 'better-sqlite3';
import type { AccessRow, AppRow } from './sweep-rows.js';

type Raw = unknown[];

export function iterateRows<T>(stmt: Statement, columns: readonly string[], build: (r: Raw) => T, ...params: unknown[]): IterableIterator<T> & Iterator<T> {
  const names = stmt.columns().map((c) => c.name);
  if (names.join(',') !== columns.join(',')) {
    throw new Error(`internal: the sweep query returns (${names.join(', ')}), the reader expects (${columns.join(', ')})`);
  }
  const it = stmt.raw(true).iterate(...params) as IterableIterator<Raw>;
  const out: IterableIterator<T> & Iterator<T> = {
    next() {
      const r = it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: build(r.value) };
    },
    return(value?: unknown) {
      it.return?.();
      return { done: true, value: value as T };
    },
    [Symbol.iterator]() { return out; },
  };
  return out;
}

export const ACCESS_COLUMNS = ['id', 'time_ms', 'request_time_ms', 'method', 'path', 'status', 'remote_addr', 'request_id',
  'connection', 'attempts', 'request_junk', 'request'] as const;

export const buildAccessRow = (r: Raw): AccessRow => ({
  id: r[0] as number, time_ms: r[1] as number, request_time_ms: r[2] as number | null, method: r[3] as string | null,
  path: r[4] as string | null, status: r[5] as number | null, remote_addr: r[6] as string | null,
  request_id: r[7] as string | null, connection: r[8] as number | null, attempts: r[9] as string | null,
  request_junk: r[10] as number, request: r[11] as string | null,
});

export const APP_COLUMNS = ['id', 'kind', 'format', 'time_ms', 'elapsed_ms', 'method', 'path', 'status', 'pid', 'request_id'] as const;

export const buildAppRow = (r: Raw): AppRow => ({
  id: r[0] as number, kind: r[1] as AppRow['kind'], format: r[2] as AppRow['format'], time_ms: r[3] as number,
  elapsed_ms: r[4] as number | null, method: r[5] as string | null, path: r[6] as string | null, status: r[7] as number | null,
  pid: r[8] as number | null, request_id: r[9] as string | null,
});
