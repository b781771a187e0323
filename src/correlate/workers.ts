/**
 * Worker deaths from gunicorn's stderr, and which attempt each one ended. gunicorn logs the cause
 * (WORKER TIMEOUT) and the death (terminated due to signal, exited with code, was sent SIGKILL) as
 * separate lines, sometimes seconds apart: they are folded into one death per worker pid first
 * (src/domain/worker-deaths.ts, the fold the report's incidents use too).
 */
import type { WorkerEventRow } from '../store/sweep-rows.js';
import { foldDeathLines, type DeathCause } from '../domain/worker-deaths.js';
import { resolutionSlackMs } from '../domain/time.js';

export interface WorkerDeath {
  /** server_log.id of the line that names the cause (the WORKER TIMEOUT line when there is one) */
  readonly eventId: number;
  readonly pid: number;
  readonly time: number;
  readonly cause: DeathCause;
  readonly event: string;
  readonly signal: number | null;
  /** Set when no log line names the death: the rule it was inferred by (a server process replaced, …) */
  readonly inferred?: string;
}

export function foldWorkerDeaths(events: readonly WorkerEventRow[]): WorkerDeath[] {
  return foldDeathLines(events)
    .map((d) => ({ eventId: d.line.id, pid: d.pid, time: d.line.time_ms, cause: d.cause, event: d.line.event, signal: d.line.signal }))
    .sort((a, b) => a.time - b.time);
}

/** Index of the first death at or after `from` (deaths are sorted by time). */
function firstDeathFrom(deaths: readonly WorkerDeath[], from: number): number {
  let lo = 0, hi = deaths.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (deaths[mid]!.time < from) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Whether a death may have ended something that began at `startMs` (the earliest it can have begun,
 * from the logs; null: unknown, any death may). gunicorn logs whole seconds and logs a death when it
 * sees it (a WORKER TIMEOUT once the worker has been silent for --timeout, a kill when it reaps), so
 * the worker stopped serving before the end of the logged second; one whose second ended, with
 * `slackMs` more for nginx's resolution, before the request (or the attempt) began cannot be its death.
 * The live timing run's t0166: a reset retry took worker 9625's WORKER TIMEOUT logged at 05:39:49 for
 * a request that began at 05:39:50.460, and a worker_crash became worker_timeout.
 */
export function diedBefore(d: WorkerDeath, startMs: number | null, slackMs: number): boolean {
  return startMs !== null && d.time + resolutionSlackMs(d.time) + slackMs < startMs;
}

/**
 * The death that ended an attempt which nginx saw fail at `end`: nginx notices the closed
 * connection just after gunicorn kills the worker, so the death is at or a little before `end`.
 * `slackMs` widens the window when nginx's time has only second resolution; `startMs` is the earliest
 * the request began (from $request_time), null when the access log does not carry it.
 */
export function findDeathNear(deaths: readonly WorkerDeath[], end: number, slackMs: number, pid: number | null, startMs: number | null = null): WorkerDeath | null {
  let best: WorkerDeath | null = null;
  let bestCost = Infinity;
  for (let i = firstDeathFrom(deaths, end - 2_000 - slackMs); i < deaths.length; i++) {
    const d = deaths[i]!;
    if (d.time > end + 500 + slackMs) break;
    if (pid !== null && d.pid !== pid) continue;
    if (diedBefore(d, startMs, slackMs)) continue;
    const cost = Math.abs(end - d.time);
    if (cost < bestCost) { best = d; bestCost = cost; }
  }
  return best;
}

/** A failed upstream attempt as the death matching sees it: its end, how long it ran, and when it began. */
export interface FailedAttemptEnd {
  readonly endMs: number;
  readonly responseMs: number | null;
  /**
   * The earliest the attempt can have begun: the request's start ($request_time) plus the attempts
   * before it. Absent or null when the access log has no $request_time: an end minus durations is
   * no lower bound (nginx may log a little after the attempt ended), so no death is ruled out.
   */
  readonly startMs?: number | null;
}

/**
 * The deaths that ended a request's failed attempts, one per attempt at most and each death once:
 * nginx sends a retry to the next server, so to another worker. Nearest pairs first; on equal
 * distance the attempt that ran longer takes the death (one that failed in 0 ms after it was refused
 * or reset at once, which is its own failure). A death logged before the attempt began is no
 * candidate (diedBefore).
 *
 * Pure on purpose: the sweep calls it once per request against one sorted array of every death, an
 * incremental correlation and a rebuild must pair the same way, and the pairing rules are tested on
 * plain arrays without a store.
 */
export function assignDeaths(deaths: readonly WorkerDeath[], attempts: readonly (FailedAttemptEnd | null)[], slackMs: number): (WorkerDeath | null)[] {
  const out: (WorkerDeath | null)[] = attempts.map(() => null);
  let pairs: { i: number; d: WorkerDeath; cost: number }[] | undefined;
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i];
    if (!a) continue;
    for (let k = firstDeathFrom(deaths, a.endMs - 2_000 - slackMs); k < deaths.length; k++) {
      const d = deaths[k]!;
      if (d.time > a.endMs + 500 + slackMs) break;
      if (diedBefore(d, a.startMs ?? null, slackMs)) continue;
      (pairs ??= []).push({ i, d, cost: Math.abs(a.endMs - d.time) });
    }
  }
  if (!pairs) return out;
  const ran = (i: number) => attempts[i]!.responseMs ?? 0;
  pairs.sort((x, y) => x.cost - y.cost || ran(y.i) - ran(x.i) || x.i - y.i);
  const used = new Set<WorkerDeath>();
  for (const p of pairs) {
    if (out[p.i] !== null || used.has(p.d)) continue;
    out[p.i] = p.d;
    used.add(p.d);
  }
  return out;
}
