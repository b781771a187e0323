/**
 * One nginx request's verdict row: the evidence the sweep gathered (its app records, error-log lines,
 * the worker deaths near its attempts) classified and laid out as request_verdicts stores it.
 */
import type { AccessRow, ErrorRow } from '../store/sweep-rows.js';
import type { VerdictRow } from '../store/verdicts/row.js';
import type { AppMatch, AppOnNginxClock } from './match.js';
import { assignDeaths, findDeathNear, type FailedAttemptEnd, type WorkerDeath } from './workers.js';
import { classify, type AttemptTrace, type ProcessStart } from './classify.js';
import { allRefused } from './refused.js';
import { pairAttemptErrors } from './attempt-errors.js';
import { resolutionSlackMs } from '../domain/time.js';
import { readLoggedAttempts, writeAttemptOutcomes, type AttemptOutcome, type AttemptOutcomeJson } from '../store/attempts.js';

/**
 * How long after a 502 a new app-server process still counts as the restart of the worker that died with
 * no line about it (the close nginx saw, the handler never finished, a new server process after).
 */
const RESTART_AFTER_MS = 30_000;

/** The first new app-server process at or after `from`, within `withinMs` (starts are sorted by time). */
export function firstStartAfter(starts: readonly ProcessStart[], from: number, withinMs: number): ProcessStart | null {
  for (const s of starts) {
    if (s.time < from) continue;
    return s.time - from <= withinMs ? s : null;
  }
  return null;
}

export function buildVerdictRow(
  a: AccessRow, start: number | null, app: AppMatch | null, errs: ErrorRow[], deaths: readonly WorkerDeath[], starts: readonly ProcessStart[] = [],
): VerdictRow {
  const stored = readLoggedAttempts(a.attempts);
  const errorKinds = errs.map((e) => e.kind);
  const refused = allRefused(errorKinds);
  const slack = resolutionSlackMs(a.time_ms);
  const appPid = app ? app.primary.row.pid ?? app.others.find((o) => o.row.pid !== null)?.row.pid ?? null : null;
  // Each failed attempt ends where the next begins; the last ends when nginx logged the request.
  let attempts: AttemptTrace[] | null = null;
  if (stored) {
    const total = stored.reduce((s, x) => s + (x.response_ms ?? 0), 0);
    let t = start ?? a.time_ms - total;
    let failedEnds: (FailedAttemptEnd | null)[] | null = null; // most requests: no failed attempt
    for (let i = 0; i < stored.length; i++) {
      const x = stored[i]!;
      // with $request_time, t is here the earliest this attempt began (an unknown duration counts 0)
      const startMs = start === null ? null : t;
      t += x.response_ms ?? 0;
      if ((x.status === null || x.status === 502) && !refused) {
        (failedEnds ??= stored.map(() => null))[i] = { endMs: i === stored.length - 1 ? a.time_ms : t, responseMs: x.response_ms, startMs };
      }
    }
    const ended = failedEnds ? assignDeaths(deaths, failedEnds, slack) : null;
    // most requests: no error line, nothing to pair
    const failures = errs.length > 0
      ? pairAttemptErrors(stored.map((x) => ({ addr: x.addr, failed: x.header_ms === null && (x.status === null || x.status >= 502) })), errs)
      : null;
    attempts = stored.map((x, i) => ({
      status: x.status, addr: x.addr, responseMs: x.response_ms, headerMs: x.header_ms, death: ended?.[i] ?? null, failure: failures?.[i] ?? null,
    }));
  }
  // Without $upstream_* the failed attempt's end is the request's end for a 502, or, for a request
  // nginx retried and then answered, the time of the error line about the failed attempt.
  const closedError = errs.find((e) => e.kind === 'upstream_prematurely_closed' || e.kind === 'upstream_reset');
  const failedAt = a.status === 502 ? a.time_ms : closedError ? closedError.time_ms : null;
  const deathNearEnd = !stored && failedAt !== null && !refused ? findDeathNear(deaths, failedAt, slack, null, start) : null;
  const appEvidence = app ? evidence(app) : null;
  const c = classify({
    status: a.status, endMs: a.time_ms, requestJunk: a.request_junk === 1, attempts, app: appEvidence, appMatch: app?.method ?? null, errorKinds, deathNearEnd,
    // only a 502 with no worker death near it can be a death without a line; whole-second times may put the start "before" the end
    restartAfter: a.status === 502 && starts.length > 0 ? firstStartAfter(starts, a.time_ms - slack, RESTART_AFTER_MS + slack) : null,
  });
  const p = app?.primary;
  const wastedMs = c.wastedWork && appEvidence ? Math.max(0, appEvidence.end - a.time_ms) : null;
  return {
    access_id: a.id, start_ms: start, end_ms: a.time_ms, verdict: c.verdict, silent: c.silent ? 1 : 0,
    wasted_work: c.wastedWork ? 1 : 0, retried: c.retried ? 1 : 0, stalled: 0, keepalive_race: c.keepaliveRace ? 1 : 0,
    app_id: p ? p.row.id : null,
    app_ids: app ? idsJson(p!.row.id, app.others, (o) => o.row.id) : null,
    app_match: app ? app.method : null, app_confidence: app ? app.confidence : null,
    app_status: appEvidence?.status ?? null, app_elapsed_ms: p ? p.row.elapsed_ms ?? app!.others.find((o) => o.row.elapsed_ms !== null)?.row.elapsed_ms ?? null : null, app_pid: appPid,
    app_completed: appEvidence ? (appEvidence.completed ? 1 : 0) : null, app_end_ms: p ? Math.round(p.end) : null,
    // an inferred death names no worker (uvicorn logs none): the pid is the app's, when it logged one
    worker_event_id: c.death?.eventId ?? null, worker_pid: c.death ? (c.death.inferred ? appPid : c.death.pid) : null, worker_event: c.death?.event ?? null,
    worker_time_ms: c.death?.time ?? null,
    error_ids: errs.length ? idsJson(null, errs, (e) => e.id) : null,
    attempts: attempts ? writeAttemptOutcomes(attempts.map(outcomeJson)) : null,
    stalled_by: null, wasted_ms: wastedMs, explanation: c.explanation,
    keepalive_suspect: c.keepaliveSuspect ? 1 : 0, evidence_level: c.evidence.verdict.level, evidence: JSON.stringify(c.evidence),
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

/**
 * The JSON columns are written directly, byte for byte what JSON.stringify gives (a million
 * requests, three JSON values each: stringifying objects built for it was a tenth of the sweep).
 */
function idsJson<T>(first: number | null, rest: readonly T[], id: (x: T) => number): string {
  let out = first === null ? '' : String(first);
  for (const x of rest) out += (out === '' ? '' : ',') + String(id(x));
  return `[${out}]`;
}

const outcome = (x: AttemptTrace): AttemptOutcome =>
  x.death ? (x.death.cause === 'timeout' ? 'worker_timeout' : 'worker_crash') : x.status === null ? 'no_response' : x.status >= 500 ? 'failed' : 'answered';

function outcomeJson(x: AttemptTrace): AttemptOutcomeJson {
  return {
    status: x.status, addr: x.addr, response_ms: x.responseMs, outcome: outcome(x),
    worker_pid: x.death?.pid ?? null, worker_event_id: x.death?.eventId ?? null,
  };
}
