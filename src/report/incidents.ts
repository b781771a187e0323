/**
 * Worker incidents and event-loop stalls: the requests each worker death took, the retries it
 * caused and what blocked it; the requests a blocking handler stalled. Fed one request at a time;
 * what is kept per incident or stall is capped, the counts are not. A death no line names (uvicorn
 * alone, a killed container) is an incident too, marked inferred: the correlation tied its requests
 * to the new server process's start line, and that line is what the incident cites.
 */
import type { ReportPassRow, ReportRequestRow, AppBlockerRow } from '../store/sql/report-requests.js';
import type { ReportWorkerEventRow } from '../store/sql/report-events.js';
import { refOf } from './refs.js';
import { foldDeathLines } from '../domain/worker-deaths.js';
import type { RequestRef, WorkerIncident, Stall } from './types.js';
import { exact, inferred, cannotTell } from '../domain/evidence.js';
import { isoUtc, msToSeconds } from '../domain/units.js';
import { WHOLE_SECOND_MS } from '../domain/time.js';
import { namesWorkerDeath, readAttemptOutcomes } from '../store/attempts.js';

/** Requests cited per incident (died, retried); the counts beside them are exact. */
const CITED = 200;


interface IncidentAcc {
  readonly ev: ReportWorkerEventRow;
  readonly died: RequestRef[];
  diedCount: number;
  readonly retried: WorkerIncident['retried'][number][];
  retriedCount: number;
  /** requests that were on the worker when it died (died with it, or on its pid and never finished) */
  onWorker: number;
  /** the first to start (end when its start is unknown) */
  first: { order: number; startMs: number | null; id: number; ref: RequestRef } | null;
  /** some request on the worker has no start time ($request_time): which one started first cannot be told */
  unknownStart: boolean;
  /** the first requests seen on the worker, cited as candidates when the blocker cannot be told */
  readonly candidates: RequestRef[];
}

/** A death no line names: the requests the correlation tied to the server process that replaced it. */
interface InferredAcc {
  readonly start: ReportWorkerEventRow;
  readonly died: RequestRef[];
  diedCount: number;
  /** the app pids its requests ran on, when the app logged them */
  readonly pids: Set<number>;
  firstEndMs: number;
  lastEndMs: number;
}

/** Candidates cited when the blocker cannot be told. */
const CANDIDATES = 10;

/** One incident per death: the fold the correlation uses, so a request's death is its incident. */
function foldDeaths(events: readonly ReportWorkerEventRow[]): ReportWorkerEventRow[] {
  return foldDeathLines(events).map((d) => d.line);
}

/** Each worker death with the requests it took, the retries it caused, what blocked it and its replacement. */
export class IncidentTally {
  private readonly byEvent = new Map<number, IncidentAcc>();
  private readonly byPid = new Map<number, IncidentAcc[]>();
  /** Server process starts by line id: an inferred death's requests point at the start that followed it. */
  private readonly starts: Map<number, ReportWorkerEventRow>;
  private readonly inferredByStart = new Map<number, InferredAcc>();

  /** `lifecycle`: the server's start and stop lines (an inferred death cites the start). */
  constructor(events: readonly ReportWorkerEventRow[], private readonly boots: readonly ReportWorkerEventRow[], lifecycle: readonly ReportWorkerEventRow[] = []) {
    this.starts = new Map(lifecycle.filter((l) => l.event === 'starting' || l.event === 'server_started').map((l) => [l.id, l]));
    // Boots end a pid's death (the pid reused), as in the correlation's fold.
    const lines = [...events, ...boots].sort((a, b) => a.time_ms - b.time_ms || a.id - b.id);
    for (const ev of foldDeaths(lines)) {
      const acc: IncidentAcc = { ev, died: [], diedCount: 0, retried: [], retriedCount: 0, onWorker: 0, first: null, unknownStart: false, candidates: [] };
      this.byEvent.set(ev.id, acc);
      if (ev.worker_pid !== null) this.byPid.set(ev.worker_pid, [...(this.byPid.get(ev.worker_pid) ?? []), acc]);
    }
  }

  add(r: ReportPassRow): void {
    if (r.verdict === 'worker_crash' && r.worker_event_id !== null && !this.byEvent.has(r.worker_event_id)) this.addInferred(r, r.worker_event_id);
    if (this.byEvent.size === 0) return;
    const diedIn = r.worker_event_id === null ? undefined : this.byEvent.get(r.worker_event_id);
    if (diedIn) {
      diedIn.diedCount++;
      if (diedIn.died.length < CITED) diedIn.died.push(refOf(r));
    }
    // An attempt that died on a worker and was followed by another: nginx retried it elsewhere.
    const att = namesWorkerDeath(r.attempts) ? readAttemptOutcomes(r.attempts) : null;
    if (att !== null) {
      // One entry per request and death: the correlation may tie the instant failures that follow
      // (the next server refusing, "no live upstreams") to the same death; the first retry is the one.
      const seen = new Set<IncidentAcc>();
      for (let i = 0; i < att.length - 1; i++) {
        const acc = att[i]!.worker_event_id === null ? undefined : this.byEvent.get(att[i]!.worker_event_id!);
        if (acc === undefined || seen.has(acc)) continue;
        seen.add(acc);
        acc.retriedCount++;
        if (acc.retried.length < CITED) acc.retried.push({ request: refOf(r), next_addr: att[i + 1]!.addr, final_status: r.status });
      }
    }
    const start = r.start_ms ?? r.end_ms;
    for (const acc of this.byPid.get(r.app_pid ?? NaN) ?? []) {
      if (acc === diedIn || r.app_completed === 1) continue;
      if (start <= acc.ev.time_ms && r.end_ms >= acc.ev.time_ms - WHOLE_SECOND_MS) this.onWorker(acc, r, start);
    }
    if (diedIn) this.onWorker(diedIn, r, start);
  }

  /** A worker_crash whose death is a server start, not a death line: the correlation inferred it. */
  private addInferred(r: ReportPassRow, startId: number): void {
    const start = this.starts.get(startId);
    if (start === undefined) return;
    let acc = this.inferredByStart.get(startId);
    if (acc === undefined) {
      acc = { start, died: [], diedCount: 0, pids: new Set(), firstEndMs: r.end_ms, lastEndMs: r.end_ms };
      this.inferredByStart.set(startId, acc);
    }
    acc.diedCount++;
    if (acc.died.length < CITED) acc.died.push(refOf(r));
    if (r.app_pid !== null) acc.pids.add(r.app_pid);
    acc.firstEndMs = Math.min(acc.firstEndMs, r.end_ms);
    acc.lastEndMs = Math.max(acc.lastEndMs, r.end_ms);
  }

  private onWorker(acc: IncidentAcc, r: ReportPassRow, order: number): void {
    acc.onWorker++;
    if (r.start_ms === null) acc.unknownStart = true;
    if (acc.candidates.length < CANDIDATES) acc.candidates.push(refOf(r));
    if (acc.first === null || order < acc.first.order || (order === acc.first.order && r.id < acc.first.id)) {
      acc.first = { order, startMs: r.start_ms, id: r.id, ref: refOf(r) };
    }
  }

  result(): WorkerIncident[] {
    const logged = this.loggedResult();
    if (this.inferredByStart.size === 0) return logged;
    return [...logged, ...[...this.inferredByStart.values()].map(inferredIncident)]
      .sort((a, b) => a.time.localeCompare(b.time));
  }

  private loggedResult(): WorkerIncident[] {
    return [...this.byEvent.values()].map((acc) => {
      const { ev, first } = acc;
      let blocker: WorkerIncident['blocker'] = null;
      let blockerEvidence: WorkerIncident['blocker_evidence'] = null;
      const what = ev.event === 'worker_timeout' ? 'WORKER TIMEOUT' : 'death';
      if (first && acc.unknownStart) {
        // Without $request_time nginx logs only when each request ended: the one that blocked the
        // worker may have ended last (its attempt died with it), so "first" would be a guess.
        blockerEvidence = cannotTell('$request_time in the access log (when each request on the worker started)');
      } else if (first) {
        // gunicorn logs whole seconds: a start "after" the death means it started within that second.
        const ranS = first.startMs !== null && ev.time_ms >= first.startMs ? msToSeconds(ev.time_ms - first.startMs).toFixed(1) : null;
        const others = acc.onWorker - 1;
        blocker = {
          request: first.ref,
          why: `${ranS !== null ? `started ${ranS} s before the ${what}` : `was on the worker at its ${what}`}` +
            `${others > 0 ? `, the first of ${acc.onWorker} requests on the worker: the others were waiting behind it` : ' and never finished'}`,
        };
        blockerEvidence = inferred(others > 0
          ? `the earliest start (end − $request_time) among the ${acc.onWorker} requests on worker ${ev.worker_pid ?? '?'} when it died`
          : `the only request on worker ${ev.worker_pid ?? '?'} when it died, started ${ranS ?? '?'} s before (end − $request_time)`);
      }
      const boot = this.boots.find((b) => b.time_ms >= ev.time_ms && b.time_ms <= ev.time_ms + 30_000);
      return {
        time: isoUtc(ev.time_ms), event: ev.event, worker_pid: ev.worker_pid, signal: ev.signal, message: ev.message,
        source: `${ev.file}:${ev.line_no}`, evidence: exact(`gunicorn's log names the death (${ev.file}:${ev.line_no})`), died: acc.died, died_count: acc.diedCount, retried: acc.retried, retried_count: acc.retriedCount, blocker,
        blocker_evidence: blockerEvidence, blocker_candidates: blocker === null ? acc.candidates : [],
        replaced_by: boot ? { pid: boot.worker_pid ?? boot.pid, time: isoUtc(boot.time_ms), source: `${boot.file}:${boot.line_no}` } : null,
      };
    });
  }
}

/**
 * The death is placed at the first of its requests' ends (nginx saw the close as the worker went);
 * the pid is the app's when its requests' records name one, and the new process is its replacement.
 */
function inferredIncident(acc: InferredAcc): WorkerIncident {
  const { start } = acc;
  const secs = ((start.time_ms - acc.lastEndMs) / 1000).toFixed(1);
  const pid = acc.pids.size === 1 ? [...acc.pids][0]! : null;
  return {
    time: isoUtc(acc.firstEndMs), event: 'inferred_death', worker_pid: pid, signal: null,
    message: 'no log line names this death (uvicorn run alone and killed containers log none)',
    source: `${start.file}:${start.line_no}`,
    evidence: inferred(`nginx saw the upstream close ${acc.diedCount} request(s) early ("upstream prematurely closed") that the app never finished, ` +
      `and a new server process started ${secs} s after the last (${start.message}, ${start.file}:${start.line_no}) with no stop line before it`),
    died: acc.died, died_count: acc.diedCount, retried: [], retried_count: 0,
    blocker: null, blocker_evidence: null, blocker_candidates: [],
    replaced_by: { pid: start.pid ?? start.worker_pid, time: isoUtc(start.time_ms), source: `${start.file}:${start.line_no}` },
  };
}

interface StallAcc { victims: RequestRef[]; count: number; firstStartMs: number; lastEndMs: number; pid: number | null }

/** Stalled requests grouped by the request that blocked them. */
export class StallTally {
  private readonly groups = new Map<number, StallAcc>();

  add(r: ReportPassRow): void {
    if (r.stalled !== 1 || r.stalled_by === null) return;
    let g = this.groups.get(r.stalled_by);
    if (g === undefined) {
      g = { victims: [], count: 0, firstStartMs: Infinity, lastEndMs: -Infinity, pid: r.app_pid };
      this.groups.set(r.stalled_by, g);
    }
    g.count++;
    if (g.victims.length < 10) g.victims.push(refOf(r));
    if (r.start_ms !== null && r.start_ms < g.firstStartMs) g.firstStartMs = r.start_ms;
    if (r.end_ms > g.lastEndMs) g.lastEndMs = r.end_ms;
  }

  /** `lookup` finds each blocker: an nginx request (stalled_by > 0) or an app record (stalled_by = −app id). */
  result(lookup: { request: (id: number) => ReportRequestRow | undefined; app: (id: number) => AppBlockerRow | undefined }): Stall[] {
    return [...this.groups.entries()].map(([by, g]) => {
      const blocker = by > 0 ? lookup.request(by) : undefined;
      const app = by < 0 ? lookup.app(-by) : undefined;
      const blockerStart = blocker?.start_ms ?? (app?.time_ms != null && app.elapsed_ms != null ? app.time_ms - app.elapsed_ms : null);
      const from = Math.min(g.firstStartMs, blockerStart ?? Infinity);
      const elapsed = blocker?.app_elapsed_ms ?? app?.elapsed_ms ?? null;
      return {
        pid: blocker?.app_pid ?? app?.pid ?? g.pid,
        blocker: blocker ? refOf(blocker) : null,
        blocker_app: app ? { method: app.method, path: app.path, elapsed_s: msToSeconds(app.elapsed_ms), source: `${app.file}:${app.line_no}` } : null,
        blocker_elapsed_s: msToSeconds(elapsed),
        from: Number.isFinite(from) ? isoUtc(from) : null,
        to: isoUtc(g.lastEndMs),
        victim_count: g.count,
        victims: g.victims,
      };
    }).sort((a, b) => (a.from ?? a.to).localeCompare(b.from ?? b.to));
  }
}
