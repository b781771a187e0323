/**
 * Correlation on demand. `droptrace ingest` stores rows and builds the query indexes; the commands
 * that read verdicts (report, requests, trace, query over verdicts, correlate) first correlate what
 * arrived since the last correlation, from the earliest time those rows can affect. Several ingests
 * in a row (a nightly cron over four logs) then cost one correlation, not one per ingest.
 */
import { existsSync } from 'node:fs';
import { openStore, schemaVersion, type Db } from '../store/open.js';
import { LOG_TABLES, MIGRATIONS } from '../store/sql/schema.js';
import { correlate, ensureSweepIndexes, type CorrelateResult } from './correlate.js';
import { writeTransaction, type WaitPolicy } from '../store/write-lock.js';
import {
  EARLIEST_AFFECTED, HAS_VERDICTS, MAX_IDS, SELECT_CORRELATION_MARK, SET_CORRELATION_MARK, type TableIds,
} from '../store/sql/watermarks.js';

/** Whether any log table holds rows above the mark. */
const isPending = (mark: TableIds, now: TableIds): boolean => LOG_TABLES.some((t) => now[t] > mark[t]);

/** Whether rows were stored since the last correlation (or the schema predates the marks). */
export function hasPendingCorrelation(db: Db): boolean {
  if (schemaVersion(db) < MIGRATIONS.length) return true;
  const mark = db.prepare(SELECT_CORRELATION_MARK).get() as TableIds;
  const now = db.prepare(MAX_IDS).get() as TableIds;
  return isPending(mark, now);
}

/**
 * Correlates the rows stored since the last correlation: incrementally from the earliest time they
 * affect, or in full on a database with no verdict yet. null when nothing was pending.
 */
export function correlatePending(db: Db): CorrelateResult | null {
  ensureSweepIndexes(db);
  return writeTransaction(db, () => correlatePendingLocked(db));
}

/**
 * Inside the write lock: the mark is read, the verdicts rewritten and the mark moved in one
 * transaction, so two commands catching up at once correlate the same rows once.
 */
function correlatePendingLocked(db: Db): CorrelateResult | null {
  const mark = db.prepare(SELECT_CORRELATION_MARK).get() as TableIds;
  const now = db.prepare(MAX_IDS).get() as TableIds;
  if (!isPending(mark, now)) return null;
  const earliest = (db.prepare(EARLIEST_AFFECTED).get(mark) as { t: number | null }).t;
  let result: CorrelateResult | null = null;
  if (earliest !== null) {
    const hasVerdicts = db.prepare(HAS_VERDICTS).get() !== undefined;
    result = correlate(db, { fromMs: hasVerdicts ? earliest : null });
  }
  // In the same transaction as the verdicts: one killed midway leaves the rows pending.
  db.prepare(SET_CORRELATION_MARK).run(now);
  return result;
}

/** Correlates every request again (`droptrace correlate --rebuild`): all of it, or (killed) none. */
export function rebuildCorrelation(db: Db): CorrelateResult {
  ensureSweepIndexes(db);
  return writeTransaction(db, () => {
    const now = db.prepare(MAX_IDS).get() as TableIds;
    const result = correlate(db, { fromMs: null });
    db.prepare(SET_CORRELATION_MARK).run(now);
    return result;
  });
}

export interface CatchUp {
  /** null when nothing was pending (or the verdicts could not be updated: see `stale`) */
  readonly correlation: CorrelateResult | null;
  /** Why pending rows were left uncorrelated (a database this user cannot write) */
  readonly stale: string | null;
}

/**
 * For a command about to read verdicts from the database at `path`: correlates pending rows on a
 * short-lived writable connection, so the command itself can keep its read-only one. A database
 * this user cannot write is read as it is, with the reason in `stale`.
 */
export function correlateStoreIfPending(path: string, wait?: WaitPolicy): CatchUp {
  if (!existsSync(path)) return { correlation: null, stale: null }; // the command's own open reports it
  let pending: boolean;
  const reader = openStore(path, { readonly: true });
  try {
    pending = hasPendingCorrelation(reader);
  } finally {
    reader.close();
  }
  if (!pending) return { correlation: null, stale: null };
  let db: Db;
  try {
    db = openStore(path, wait ? { wait } : {});
  } catch (err) {
    return { correlation: null, stale: cannotCorrelate(path, (err as Error).message) };
  }
  try {
    return { correlation: correlatePending(db), stale: null };
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_READONLY') {
      return { correlation: null, stale: cannotCorrelate(path, `${path} is read-only here`) };
    }
    throw err;
  } finally {
    db.close();
  }
}

const cannotCorrelate = (path: string, why: string): string =>
  `cannot correlate the rows ingested into ${path} since its last correlation, so its verdicts would leave them out: ${why}. Run \`droptrace correlate --db ${path}\` as a user who can write it (or on a writable copy), then read it again`;
