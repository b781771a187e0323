/**
 * The dataset's requests row, column by column: one reader per column of REQUEST_COLUMNS, in its
 * order, from the export query's row and the `requests` contract's record (toRecord) of it. A row is
 * an array in column order, not an object: an object of the table's 66 keys built per request (a
 * spread of the record plus the raw columns) cost three quarters of an export's time, most of it in
 * the garbage collector (docs/performance.md, "export --dataset: where its time went").
 */
import type { RequestRecord, RequestRow } from '../lookup/requests.js';
import { REQUEST_COLUMNS } from '../store/sql/dataset.js';

/** EXPORT_REQUESTS' row: the contract's columns and the raw ones the fleet report reads. */
export type ExportRequestRow = RequestRow & {
  user_agent: string | null; worker_event_id: number | null; file_id: number; evidence_level: string | null; lb_time_ms: number | null;
  stalled_by_file: string | null; stalled_by_line: number | null; worker_event_file: string | null; worker_event_line: number | null;
};

/**
 * Every field of the contract, each a column of the same name: a field the contract gains and this
 * list lacks fails the typecheck, and one the dataset has no column for fails the export's start.
 */
const CONTRACT_FIELDS: Record<keyof RequestRecord, true> = {
  id: true, end: true, end_resolution_s: true, start: true, method: true, uri: true, path: true, status: true, request_id: true,
  request_time_s: true, attempts: true, verdict: true, silent: true, wasted_work: true, retried: true, stalled: true,
  keepalive_race: true, app: true, worker: true, error_log: true, explanation: true, wasted_s: true, stalled_by: true,
  client: true, host: true, source: true, keepalive_race_possible: true, evidence: true, app_server: true, lb: true, nginx: true,
};

/** The columns that are not a field of the row by the same name. */
interface Derived {
  readonly shard: string;
  /** attempt_outcomes with each worker death's file:line (export.ts) */
  readonly attemptOutcomes: string | null;
}

export type ColumnReader = (r: ExportRequestRow, rec: RequestRecord, d: Derived) => unknown;

/** A contract field as the dataset holds it: nested values as JSON text, which every engine parses. */
const contractField = (k: keyof RequestRecord): ColumnReader => (_r, rec) => {
  const v = rec[k];
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
};

const DERIVED: Record<string, ColumnReader> = {
  shard: (_r, _rec, d) => d.shard,
  attempt_outcomes: (_r, _rec, d) => d.attemptOutcomes,
  evidence_json: (r) => r.evidence,
};

/** The raw columns: each read from the export query's column of the same name. */
export const RAW_REQUEST_COLUMNS: readonly string[] = REQUEST_COLUMNS.map((c) => c.name).filter((n) => !Object.hasOwn(CONTRACT_FIELDS, n) && !Object.hasOwn(DERIVED, n));

/** Throws when the export query's row lacks a raw column (its value would be written as null without a word). */
export function checkRawColumns(r: ExportRequestRow): void {
  for (const n of RAW_REQUEST_COLUMNS) if (!(n in r)) throw new Error(`EXPORT_REQUESTS has no column "${n}" for the dataset's requests table (src/store/sql/export.ts)`);
}

/** The readers of REQUEST_COLUMNS, in order; throws when a contract field has no column. */
export function requestColumnReaders(): ColumnReader[] {
  const names = new Set(REQUEST_COLUMNS.map((c) => c.name));
  for (const f of Object.keys(CONTRACT_FIELDS)) {
    if (!names.has(f)) throw new Error(`the dataset has no column for the requests contract's field "${f}": add it to REQUEST_COLUMNS (src/store/sql/dataset.ts)`);
  }
  return REQUEST_COLUMNS.map((c): ColumnReader => {
    if (Object.hasOwn(CONTRACT_FIELDS, c.name)) return contractField(c.name as keyof RequestRecord);
    const derived = DERIVED[c.name];
    if (derived !== undefined) return derived;
    // a raw column: the export query's column of that name
    const name = c.name as keyof ExportRequestRow;
    return (r) => r[name];
  });
}
