/**
 * Correlation: every nginx request gets a verdict with its evidence. Runs on the time range the rows
 * stored since the last correlation touch (requests ending at or after the earliest new row, minus a
 * margin: pending-correlation.ts), and in full with `droptrace correlate --rebuild`. The sweep reads
 * and matches on this thread; a large sweep's verdict rows are written by another (store/verdicts/verdict-writer.ts).
 */
import { openReader, type Db } from '../store/open.js';
import { writeTransaction } from '../store/write-lock.js';
import {
  SELECT_SKEW_SAMPLES, SELECT_ACCESS_HAS_REQUEST_ID, SELECT_APP_ID_SPAN, SKEW_CANDIDATES, SELECT_COINCIDENCE_ACCESS, SELECT_COINCIDENCE_APP, SELECT_COINCIDENCE_ACCESS_REQUESTS, SELECT_COINCIDENCE_ERRORS,
  INSERT_RUN, SET_RUN_ERROR_SKEW, SELECT_SWEEP_INDEX_COUNT, FINISH_RUN, SELECT_WORKER_EVENTS, SELECT_SERVER_LIFECYCLE, SELECT_USED_APP_IDS,
  DELETE_VERDICTS_FROM, DELETE_ALL_VERDICTS, DROP_VERDICT_INDEXES, CREATE_VERDICT_INDEXES, CREATE_SWEEP_INDEXES,
  SELECT_ACCESS_FOR_SWEEP, SELECT_ALL_ACCESS_FOR_SWEEP, SELECT_APP_FOR_SWEEP, SELECT_ALL_APP_FOR_SWEEP, SELECT_ERRORS_FOR_SWEEP,
} from '../store/sql/correlation.js';
import type { AccessRow, ErrorRow, WorkerEventRow } from '../store/sweep-rows.js';
import { AppWindow, ErrorWindow, UNKNOWN_START_LOOKBACK_MS, pathKey } from './match.js';
import { foldWorkerDeaths, type WorkerDeath } from './workers.js';
import { buildVerdictRow } from './verdict-row.js';
import type { ProcessStart } from './classify.js';
import { VerdictWriter } from '../store/verdicts/verdict-writer.js';
import { skewFromCoincidence, skewFromRequestIds, type SkewEstimate } from './skew.js';
import { markStalls, couldBlock } from './stalls.js';
import { recordRevisions, snapshotReportedVerdicts } from './revisions.js';
import { iterateRows, ACCESS_COLUMNS, APP_COLUMNS, buildAccessRow, buildAppRow } from '../store/raw-rows.js';
import { correlateLb } from './lb.js';
import { neverAccepted } from './refused.js';

export interface CorrelateOptions {
  /** Re-correlate requests ending at or after this (epoch ms); null = everything */
  readonly fromMs?: number | null;
}

export interface CorrelateResult {
  readonly requests: number;
  readonly skew: SkewEstimate;
  readonly stalled: number;
  /** Verdicts of requests a `--since-last` report had covered that this run changed */
  readonly revised: number;
  readonly ms: number;
}

/** App records and error lines this far before `fromMs` are read again: a request can be that long. */
const MARGIN_MS = UNKNOWN_START_LOOKBACK_MS + 60_000;

/**
 * All or nothing: the whole correlation is one write transaction (write-lock.ts), so readers see the
 * old verdicts until the new ones are complete, and a killed run leaves the old verdicts, revisions
 * and marks as they were. A caller that already holds the lock (pending-correlation.ts, with its
 * mark) runs it inside its own transaction.
 */
export function correlate(db: Db, opts: CorrelateOptions = {}): CorrelateResult {
  if (!db.inTransaction) ensureSweepIndexes(db);
  return writeTransaction(db, () => correlateLocked(db, opts));
}

/**
 * The start-order indexes the sweeps read through, committed apart before the correlation's
 * transaction: the sweep reads on a second connection, which sees only committed schema.
 */
export function ensureSweepIndexes(db: Db): void {
  const have = db.prepare(SELECT_SWEEP_INDEX_COUNT).get() as { n: number };
  if (have.n < 2) writeTransaction(db, () => db.exec(CREATE_SWEEP_INDEXES));
}

function correlateLocked(db: Db, opts: CorrelateOptions): CorrelateResult {
  const t0 = Date.now();
  const fromMs = opts.fromMs ?? null;
  const skew = estimateSkew(db);
  let n = 0;
  const runId = Number(db.prepare(INSERT_RUN).run(t0, fromMs, skew.skewMs, skew.samples).lastInsertRowid);
  // nginx writes both of its logs on one clock, but the error log's times carry no zone: a wrong
  // --tz moves it by whole quarter hours against the access log, which carries its offset.
  const errorShift = estimateErrorSkew(db);
  db.prepare(SET_RUN_ERROR_SKEW).run(errorShift, runId);
  const deaths = foldWorkerDeaths(db.prepare(SELECT_WORKER_EVENTS).all() as WorkerEventRow[]);
  const starts = unloggedRestarts(db.prepare(SELECT_SERVER_LIFECYCLE).all() as LifecycleRow[]);

  const from = fromMs ?? -8.64e15;
  const readFrom = fromMs === null ? -8.64e15 : fromMs - MARGIN_MS;
  const used = fromMs === null ? [] : usedAppIds(db, readFrom, fromMs);
  const watched = snapshotReportedVerdicts(db, fromMs);
  if (fromMs === null) {
    db.exec(DROP_VERDICT_INDEXES);
    db.exec(DELETE_ALL_VERDICTS);
  } else {
    db.prepare(DELETE_VERDICTS_FROM).run(from);
  }
  // The sweeps stream from a second, read-only connection: better-sqlite3 allows no write on a
  // connection while one of its iterators is open, and WAL lets this reader run beside the writer.
  const reader = openReader(db);
  /** Workers with a handler long enough to have blocked them: the only ones the stall pass reads. */
  const blockerPids = new Set<number>();
  const open: Iterator<unknown>[] = [];
  const track = <T>(it: Iterator<T>): Iterator<T> => (open.push(it), it);
  try {
    const appRows = fromMs === null
      ? iterateRows(reader.prepare(SELECT_ALL_APP_FOR_SWEEP), APP_COLUMNS, buildAppRow)
      : iterateRows(reader.prepare(SELECT_APP_FOR_SWEEP), APP_COLUMNS, buildAppRow, readFrom + skew.skewMs);
    const apps = new AppWindow(track(appRows), skew.skewMs, used);
    const errors = new ErrorWindow(track(reader.prepare(SELECT_ERRORS_FOR_SWEEP).iterate({ from: readFrom, shift: errorShift }) as Iterator<ErrorRow>));
    const access = fromMs === null
      ? iterateRows(reader.prepare(SELECT_ALL_ACCESS_FOR_SWEEP), ACCESS_COLUMNS, buildAccessRow)
      : iterateRows(reader.prepare(SELECT_ACCESS_FOR_SWEEP), ACCESS_COLUMNS, buildAccessRow, from);
    // Inside the correlation's transaction a second connection could not write (the lock is
    // ours): the rows go in on this connection, and the writer thread is never started.
    const writer = new VerdictWriter(db, Infinity);
    try {
      n = sweep(access, apps, errors, deaths, writer, blockerPids, starts);
      writer.finish();
    } catch (err) {
      writer.abandon();
      throw err;
    }
  } finally {
    // Windows stop reading once the requests end; an open iterator keeps the connection busy.
    for (const it of open) it.return?.();
    reader.close();
    db.exec(CREATE_VERDICT_INDEXES);
  }
  const stalled = fromMs === null ? markStalls(db, null, blockerPids) : markStalls(db, readFrom);
  // The load balancer in front, when its log was given: its requests are the request set.
  const lb = correlateLb(db, fromMs);
  const revised = watched ? recordRevisions(db, runId) : 0;
  const ms = Date.now() - t0;
  const notes = [skew.method === 'none' ? null : `clock offset by ${skew.method}`, lb?.note ?? null].filter((x) => x !== null).join('; ');
  db.prepare(FINISH_RUN).run(Date.now(), n + (lb?.lbOnly ?? 0), notes === '' ? null : notes, runId);
  return { requests: n + (lb?.lbOnly ?? 0), skew, stalled, revised, ms };
}

function sweep(
  access: IterableIterator<AccessRow>, apps: AppWindow, errors: ErrorWindow, deaths: readonly WorkerDeath[], writer: VerdictWriter,
  blockerPids: Set<number>, starts: readonly ProcessStart[] = [],
): number {
  let n = 0;
  let maxEnd = -Infinity;
  for (const a of access) {
    const start = a.request_time_ms !== null ? a.time_ms - a.request_time_ms : null;
    const startKey = start ?? a.time_ms;
    maxEnd = Math.max(maxEnd, a.time_ms);
    // Everything that started before the latest end seen so far may belong to this request.
    apps.fill(maxEnd + 3_000);
    errors.fill(maxEnd + 3_000);
    const errs = errors.take(a, start);
    // A request no upstream accepted never reached the app: a record near it in time is another's.
    const app = apps.match(a, start, neverAccepted(a, errs));
    const v = buildVerdictRow(a, start, app, errs, deaths, starts);
    writer.add(v);
    if (couldBlock(v)) blockerPids.add(v.app_pid!);
    n++;
    if (n % 2_000 === 0) {
      const lookback = start !== null ? 5_000 : UNKNOWN_START_LOOKBACK_MS;
      apps.prune(startKey - lookback);
      errors.prune(startKey - lookback);
    }
  }
  return n;
}

interface LifecycleRow { readonly id: number; readonly time_ms: number; readonly event: string; readonly worker_pid: number | null; readonly pid: number | null; readonly message: string }

/** A stop logged this long before a start makes it a restart the logs tell of, not a death they do not. */
const LOGGED_STOP_MS = 300_000;

/**
 * New app-server processes after an end nobody logged: a gunicorn master starting, or uvicorn's
 * "Started server process" of a process gunicorn did not boot as a worker (uvicorn run alone) — with
 * no stop line ("Handling signal", "Shutting down") in the 5 minutes before.
 */
export function unloggedRestarts(rows: readonly LifecycleRow[]): ProcessStart[] {
  const booted = new Set(rows.filter((r) => r.event === 'booting_worker' && r.worker_pid !== null).map((r) => r.worker_pid));
  const stops = rows.filter((r) => r.event === 'shutting_down' || r.event === 'handling_signal' || r.event === 'app_shutdown').map((r) => r.time_ms);
  return rows
    .filter((r) => r.event === 'starting' || (r.event === 'server_started' && !booted.has(r.worker_pid)))
    .filter((r) => !stops.some((t) => t <= r.time_ms && r.time_ms - t <= LOGGED_STOP_MS))
    .map((r) => ({ eventId: r.id, pid: r.pid, time: r.time_ms, message: r.message }));
}

function usedAppIds(db: Db, from: number, to: number): number[] {
  const out: number[] = [];
  for (const r of db.prepare(SELECT_USED_APP_IDS).all(from, to) as { app_ids: string }[]) {
    for (const id of JSON.parse(r.app_ids) as number[]) out.push(id);
  }
  return out;
}

function estimateSkew(db: Db): SkewEstimate {
  const idsLogged = (db.prepare(SELECT_ACCESS_HAS_REQUEST_ID).get() as { yes: number }).yes === 1;
  const span = (db.prepare(SELECT_APP_ID_SPAN).get() as { span: number }).span;
  const stride = Math.max(1, Math.floor(span / SKEW_CANDIDATES));
  const diffs = idsLogged ? (db.prepare(SELECT_SKEW_SAMPLES).all({ stride }) as { d: number }[]).map((r) => r.d) : [];
  const byId = skewFromRequestIds(diffs);
  if (byId) return byId;
  const access = (db.prepare(SELECT_COINCIDENCE_ACCESS).all() as { method: string; path: string; t: number }[]).map((r) => ({ key: pathKey(r.method, r.path), time: r.t }));
  const app = (db.prepare(SELECT_COINCIDENCE_APP).all() as { method: string; path: string; t: number }[]).map((r) => ({ key: pathKey(r.method, r.path), time: r.t }));
  return skewFromCoincidence(access, app) ?? { skewMs: 0, samples: 0, method: 'none' };
}

function estimateErrorSkew(db: Db): number {
  const rows = (sql: string) => (db.prepare(sql).all() as { k: string; t: number }[]).map((r) => ({ key: r.k, time: r.t }));
  return skewFromCoincidence(rows(SELECT_COINCIDENCE_ACCESS_REQUESTS), rows(SELECT_COINCIDENCE_ERRORS))?.skewMs ?? 0;
}
