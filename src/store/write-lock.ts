/**
 * One writer at a time per database, decided by SQLite itself: every writing command takes the
 * write lock with `BEGIN IMMEDIATE` before it reads what it is about to change (a checkpoint, a
 * correlation mark, a report mark), so two processes can never both act on the same state. A lock
 * file would outlive a `kill -9`; SQLite's lock dies with its process.
 *
 * A writer that finds the lock held waits up to its connection's bound (`--wait`, SQLite's
 * busy_timeout), saying once on stderr that it waits, then refuses with what to do.
 */
import type { Db } from './open.js';
import { StoreError, writeRefusal } from './store-error.js';

export interface WaitPolicy {
  /** How long to wait for another writer, in ms; 0 refuses at once. */
  readonly waitMs: number;
  /** Told once per wait, before it starts (the CLI prints it on stderr). */
  readonly onWait?: (message: string) => void;
}

/**
 * Long enough for a nightly cron run to outwait the previous night's ingest or rebuild, short
 * enough that a stuck run is noticed the same night.
 */
export const DEFAULT_WAIT_MS = 5 * 60_000;

const policies = new WeakMap<Db, WaitPolicy>();
const told = new WeakSet<Db>();

export function setWaitPolicy(db: Db, policy: WaitPolicy): void {
  policies.set(db, policy);
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(policy.waitMs))}`);
}

export function waitPolicyOf(db: Db): WaitPolicy {
  return policies.get(db) ?? { waitMs: DEFAULT_WAIT_MS };
}

const isReadonly = (err: unknown): boolean => /^SQLITE_READONLY/.test((err as { code?: string }).code ?? '');
const isBusy = (err: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '');

/** Takes the write lock: tries at once, then waits (saying so) up to the connection's bound. */
export function beginImmediate(db: Db): void {
  const policy = waitPolicyOf(db);
  try {
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    return;
  } catch (err) {
    if (isReadonly(err)) throw readonlyError(db, err);
    if (!isBusy(err)) throw err;
  } finally {
    db.pragma(`busy_timeout = ${policy.waitMs}`);
  }
  if (policy.waitMs <= 0) throw busyError(db, 0);
  // once per connection: an ingest takes the lock again for every batch
  if (!told.has(db)) {
    told.add(db);
    policy.onWait?.(`${db.name} is being written by another droptrace process; waiting up to ${describeMs(policy.waitMs)} for it (--wait sets the bound)`);
  }
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    if (isBusy(err)) throw busyError(db, policy.waitMs);
    throw err;
  }
}

/**
 * Runs `fn` again while SQLite answers SQLITE_BUSY without waiting itself (a journal-mode switch),
 * up to the connection's bound, sleeping a little between tries.
 */
export function retryWhileBusy<T>(db: Db, fn: () => T): T {
  const policy = waitPolicyOf(db);
  const until = Date.now() + policy.waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (Date.now() >= until) throw busyError(db, policy.waitMs);
      Atomics.wait(pause, 0, 0, delay);
    }
  }
}

/**
 * Runs `fn` as one write transaction: all of it is committed or none (an error or a kill rolls it
 * back). Inside one already (a caller holds the lock), it simply runs.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn();
  beginImmediate(db);
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    rollbackQuietly(db);
    throw err;
  }
}

/**
 * Rolls back if a transaction is still open. SQLite ends the transaction itself on some errors
 * (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then fails with "no transaction is active", and that
 * message must never replace the error that caused it.
 */
export function rollbackQuietly(db: Db): void {
  if (!db.inTransaction) return;
  try {
    db.exec('ROLLBACK');
  } catch {
    // the caller rethrows the error that made it roll back
  }
}

function readonlyError(db: Db, err: unknown): StoreError {
  return new StoreError(
    `cannot write database ${db.name}: ${writeRefusal(db.name) ?? 'SQLite refused to write it'} (SQLite: ${(err as Error).message}): give this user write access to it and its directory, or copy it to a writable --db`,
    'readonly', { cause: err },
  );
}

function busyError(db: Db, waitedMs: number): StoreError {
  const waited = waitedMs > 0 ? `waited ${describeMs(waitedMs)}` : 'not waiting (--wait 0)';
  return new StoreError(
    `${db.name} is being written by another droptrace process (an ingest, correlate, --since-last report or audit --db); ${waited}; nothing was written. Run again once it has finished, or pass a longer --wait`,
    'busy',
  );
}

function describeMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * Runs `fn` in one read transaction: every query in it sees the same committed state, so a report
 * built while a correlation commits never mixes old and new verdicts.
 */
export function readTransaction<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn();
  db.exec('BEGIN');
  try {
    return fn();
  } finally {
    rollbackQuietly(db);
  }
}
