/**
 * Correlation: every nginx request gets a verdict with its evidence. Runs after each ingest on the
 * new time range only (requests ending at or after the earliest new row, minus a margin), and in
 * full with `droptrace correlate --rebuild`.
 */
import { openReader, type Db } from '../store/open.js';
import {
  DELETE_VERDICTS_FROM, INSERT_VERDICT, SELECT_ACCESS_FOR_SWEEP, SELECT_APP_FOR_SWEEP, SELECT_ERRORS_FOR_SWEEP,
  SELECT_SKEW_SAMPLES, SELECT_WORKER_EVENTS, SELECT_USED_APP_IDS, SELECT_COINCIDENCE_ACCESS, SELECT_COINCIDENCE_APP,
  INSERT_RUN, FINISH_RUN, SELECT_ALL_ACCESS_FOR_SWEEP, SELECT_ALL_APP_FOR_SWEEP, CREATE_SWEEP_INDEXES, SET_RUN_ERROR_SKEW, SELECT_COINCIDENCE_ACCESS_REQUESTS, SELECT_COINCIDENCE_ERRORS, DELETE_ALL_VERDICTS, DROP_VERDICT_INDEXES, CREATE_VERDICT_INDEXES,
} from '../store/sql/correlation.js';
import type { AccessRow, AppRow, ErrorRow, StoredAttempt, WorkerEventRow, AppOnNginxClock } from './rows.js';
import { AppWindow, ErrorWindow, UNKNOWN_START_LOOKBACK_MS, secondResolution, pathKey, type AppMatch } from './match.js';
import { foldWorkerDeaths, findDeathNear, type WorkerDeath } from './workers.js';
import { classify, type AttemptTrace } from './classify.js';
import { skewFromCoincidence, skewFromRequestIds, type SkewEstimate } from './skew.js';
import { markStalls } from './stalls.js';
import { iterateRows, ACCESS_COLUMNS, APP_COLUMNS, buildAccessRow, buildAppRow } from './raw-rows.js';

export interface CorrelateOptions {
  /** Re-correlate requests ending at or after this (epoch ms); null = everything */
  readonly fromMs?: number | null;
}

export interface CorrelateResult {
  readonly requests: number;
  readonly skew: SkewEstimate;
  readonly stalled: number;
  readonly ms: number;
}

/** App records and error lines this far before `fromMs` are read again: a request can be that long. */
const MARGIN_MS = UNKNOWN_START_LOOKBACK_MS + 60_000;
const BATCH = 5_000;
/** INSERT_VERDICT's parameter names, in order. */
const VERDICT_PARAMS = [...INSERT_VERDICT.matchAll(/@(\w+)/g)].map((m) => m[1]!);

export function correlate(db: Db, opts: CorrelateOptions = {}): CorrelateResult {
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

  const from = fromMs ?? -8.64e15;
  const readFrom = fromMs === null ? -8.64e15 : fromMs - MARGIN_MS;
  const used = fromMs === null ? [] : usedAppIds(db, readFrom, fromMs);
  if (fromMs === null) {
    db.exec(DROP_VERDICT_INDEXES);
    db.exec(DELETE_ALL_VERDICTS);
    db.exec(CREATE_SWEEP_INDEXES);
  } else {
    db.prepare(DELETE_VERDICTS_FROM).run(from);
  }
  // The sweeps stream from a second, read-only connection: better-sqlite3 allows no write on a
  // connection while one of its iterators is open, and WAL lets this reader run beside the writer.
  const reader = openReader(db);
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
    n = sweep(db, access, apps, errors, deaths);
  } finally {
    // Windows stop reading once the requests end; an open iterator keeps the connection busy.
    for (const it of open) it.return?.();
    reader.close();
    db.exec(CREATE_VERDICT_INDEXES);
  }
  const stalled = markStalls(db, fromMs === null ? null : readFrom);
  const ms = Date.now() - t0;
  db.prepare(FINISH_RUN).run(Date.now(), n, skew.method === 'none' ? null : `clock offset by ${skew.method}`, runId);
  return { requests: n, skew, stalled, ms };
}

function sweep(db: Db, access: IterableIterator<AccessRow>, apps: AppWindow, errors: ErrorWindow, deaths: readonly WorkerDeath[]): number {
  // Bound by position (named parameters are looked up by name for every row and value).
  const insert = db.prepare(INSERT_VERDICT.replace(/@\w+/g, '?'));

  const rows: Record<string, unknown>[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    db.transaction(() => { for (const r of rows) insert.run(VERDICT_PARAMS.map((k) => r[k])); })();
    rows.length = 0;
  };

  let n = 0;
  let maxEnd = -Infinity;
  for (const a of access) {
    const start = a.request_time_ms !== null ? a.time_ms - a.request_time_ms : null;
    const startKey = start ?? a.time_ms;
    maxEnd = Math.max(maxEnd, a.time_ms);
    // Everything that started before the latest end seen so far may belong to this request.
    apps.fill(maxEnd + 3_000);
    errors.fill(maxEnd + 3_000);
    const app = apps.match(a, start);
    const errs = errors.take(a, start);
    rows.push(buildVerdictRow(a, start, app, errs, deaths));
    n++;
    if (rows.length >= BATCH) flush();
    if (n % 2_000 === 0) {
      const lookback = start !== null ? 5_000 : UNKNOWN_START_LOOKBACK_MS;
      apps.prune(startKey - lookback);
      errors.prune(startKey - lookback);
    }
  }
  flush();
  return n;
}

function usedAppIds(db: Db, from: number, to: number): number[] {
  const out: number[] = [];
  for (const r of db.prepare(SELECT_USED_APP_IDS).all(from, to) as { app_ids: string }[]) {
    for (const id of JSON.parse(r.app_ids) as number[]) out.push(id);
  }
  return out;
}

function estimateSkew(db: Db): SkewEstimate {
  const diffs = (db.prepare(SELECT_SKEW_SAMPLES).all() as { d: number }[]).map((r) => r.d);
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

function parseAttempts(json: string | null): StoredAttempt[] | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as StoredAttempt[];
  } catch {
    return null;
  }
}

function buildVerdictRow(a: AccessRow, start: number | null, app: AppMatch | null, errs: ErrorRow[], deaths: readonly WorkerDeath[]): Record<string, unknown> {
  const stored = parseAttempts(a.attempts);
  const errorKinds = errs.map((e) => e.kind);
  // nginx marks servers down after real failures and then logs "no live upstreams" for the last
  // try: only a request that never reached an upstream at all was refused.
  const refused = errorKinds.length > 0 && errorKinds.every((k) => k === 'upstream_refused' || k === 'no_live_upstreams');
  const slack = secondResolution(a.time_ms) ? 1_000 : 0;
  const appPid = app?.primary.row.pid ?? null;
  // Each failed attempt ends where the next begins; the last ends when nginx logged the request.
  let attempts: AttemptTrace[] | null = null;
  if (stored) {
    const total = stored.reduce((s, x) => s + (x.response_ms ?? 0), 0);
    let t = start ?? a.time_ms - total;
    attempts = stored.map((x, i) => {
      t += x.response_ms ?? 0;
      const attemptEnd = i === stored.length - 1 ? a.time_ms : t;
      const failed = x.status === null || x.status === 502;
      const death = failed && !refused ? findDeathNear(deaths, attemptEnd, slack, null) : null;
      return { status: x.status, addr: x.addr, responseMs: x.response_ms, headerMs: x.header_ms, death };
    });
  }
  // Without $upstream_* the failed attempt's end is the request's end for a 502, or, for a request
  // nginx retried and then answered, the time of the error line about the failed attempt.
  const closedError = errs.find((e) => e.kind === 'upstream_prematurely_closed' || e.kind === 'upstream_reset');
  const failedAt = a.status === 502 ? a.time_ms : closedError ? closedError.time_ms : null;
  const deathNearEnd = !stored && failedAt !== null && !refused ? findDeathNear(deaths, failedAt, slack, null) : null;
  const appEvidence = app ? evidence(app) : null;
  const c = classify({
    status: a.status, endMs: a.time_ms, requestJunk: a.request_junk === 1, attempts, app: appEvidence, errorKinds, deathNearEnd,
  });
  const p = app?.primary;
  const wastedMs = c.wastedWork && appEvidence ? Math.max(0, appEvidence.end - a.time_ms) : null;
  return {
    access_id: a.id, start_ms: start, end_ms: a.time_ms, verdict: c.verdict, silent: c.silent ? 1 : 0,
    wasted_work: c.wastedWork ? 1 : 0, retried: c.retried ? 1 : 0, stalled: 0, keepalive_race: c.keepaliveRace ? 1 : 0,
    app_id: p ? p.row.id : null,
    app_ids: app ? JSON.stringify([p!.row.id, ...app.others.map((o) => o.row.id)]) : null,
    app_match: app ? app.method : null, app_confidence: app ? app.confidence : null,
    app_status: appEvidence?.status ?? null, app_elapsed_ms: p?.row.elapsed_ms ?? null, app_pid: appPid,
    app_completed: appEvidence ? (appEvidence.completed ? 1 : 0) : null, app_end_ms: p ? Math.round(p.end) : null,
    worker_event_id: c.death?.eventId ?? null, worker_pid: c.death?.pid ?? null, worker_event: c.death?.event ?? null,
    worker_time_ms: c.death?.time ?? null,
    error_ids: errs.length ? JSON.stringify(errs.map((e) => e.id)) : null,
    attempts: attempts ? JSON.stringify(attempts.map((x) => ({
      status: x.status, addr: x.addr, response_ms: x.responseMs,
      outcome: x.death ? (x.death.cause === 'timeout' ? 'worker_timeout' : 'worker_crash') : x.status === null ? 'no_response' : x.status >= 500 ? 'failed' : 'answered',
      worker_pid: x.death?.pid ?? null, worker_event_id: x.death?.eventId ?? null,
    }))) : null,
    stalled_by: null, wasted_ms: wastedMs, explanation: c.explanation,
  };
}

/** What the app's records say, merged across sources (NDJSON status, the middleware's failure line). */
function evidence(m: AppMatch): { completed: boolean; status: number | null; failed: boolean; end: number } {
  const all: AppOnNginxClock[] = [m.primary, ...m.others];
  const failed = all.some((e) => e.row.kind === 'failed' || (e.row.status ?? 0) >= 500);
  const completedRec = all.find((e) => e.row.kind !== 'failed');
  const status = all.map((e) => e.row.status).find((s) => s !== null) ?? (failed ? 500 : null);
  return { completed: completedRec !== undefined && !failed, status, failed, end: (completedRec ?? m.primary).end };
}
