/** `droptrace query`: read-only SQL over the store. */
import type { Db } from '../store/open.js';
import { QueryError } from '../domain/errors.js';
import type { Row } from '../output/rows.js';

export interface QueryResult {
  readonly columns: string[];
  readonly rows: Row[];
}

export function runQuery(db: Db, sql: string, params: readonly unknown[] = []): QueryResult {
  let stmt;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    throw new QueryError(`SQL error: ${(err as Error).message}. The schema is in the README ("SQLite schema"); try: droptrace query "SELECT name FROM sqlite_master WHERE type='table'"`);
  }
  // Belt and braces: the database is opened read-only too, but a clear message beats SQLITE_READONLY.
  if (!stmt.readonly) throw new QueryError('droptrace query runs read-only SQL (SELECT, WITH, PRAGMA reads); this statement would write');
  if (!stmt.reader) {
    return { columns: [], rows: [] };
  }
  const columns = stmt.columns().map((c) => c.name);
  return { columns, rows: stmt.all(...params) as Row[] };
}
