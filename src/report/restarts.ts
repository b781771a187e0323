/**
 * Restart and deploy windows: the app server stopped ("Handling signal: term", "Shutting down:
 * Master", uvicorn's "Shutting down") and started again ("Starting gunicorn", "Listening at",
 * uvicorn's "Started server process" of a new server). Requests that failed inside one — connection
 * refused while nothing listened, a close as the old workers went — are the restart's, and the clock
 * that fired is the app server's stop, not nginx's: the report gives them their own finding.
 */
import type { ReportPassRow } from '../store/sql/report-requests.js';
import type { ReportWorkerEventRow } from '../store/sql/report-events.js';
import { refOf } from './refs.js';
import type { RequestRef, RestartWindow } from './types.js';
import { isoUtc } from '../domain/units.js';
import { WHOLE_SECOND_MS } from '../domain/time.js';

/** A stop with no start within this long is not a restart (the server was stopped). */
const MAX_RESTART_MS = 300_000;
/** After the start line, workers take this long to boot and accept: refusals then are still the restart's. */
const BOOT_GRACE_MS = 3_000;
/** nginx may log a refusal a little before gunicorn's clock shows the signal (whole-second times). */
const BEFORE_MS = WHOLE_SECOND_MS;
const CITED = 10;

const STOP = (e: ReportWorkerEventRow) =>
  (e.event === 'handling_signal' && /: (term|int|quit)$/i.test(e.message)) || e.event === 'shutting_down' ||
  (e.event === 'app_shutdown' && /^Shutting down$/.test(e.message));
const START = (e: ReportWorkerEventRow) => e.event === 'starting' || e.event === 'listening' || e.event === 'server_started';

/**
 * Verdicts a restart produces and nothing else explains: refused connects, and closes nginx saw as
 * the old server went (a worker death gunicorn logged is its own incident).
 */
const RESTART_VERDICTS = new Set(['upstream_unavailable', 'upstream_error']);

interface Window { from: number; to: number; stop: ReportWorkerEventRow; start: ReportWorkerEventRow; ev: ReportWorkerEventRow[] }

export function findRestartWindows(lifecycle: readonly ReportWorkerEventRow[]): Window[] {
  const out: Window[] = [];
  for (let i = 0; i < lifecycle.length; i++) {
    const stop = lifecycle[i]!;
    if (!STOP(stop)) continue;
    if (out.length > 0 && stop.time_ms <= out[out.length - 1]!.to) continue; // the same restart's other stop lines
    // uvicorn's workers each log "Started server process" at boot; the new master's start comes after the stop lines.
    const j = lifecycle.findIndex((e, k) => k > i && START(e) && e.time_ms - stop.time_ms <= MAX_RESTART_MS);
    if (j < 0) continue;
    const start = lifecycle[j]!;
    // The window runs until the new server's last start line that follows at once (workers booting).
    let last = start.time_ms;
    for (let k = j + 1; k < lifecycle.length && START(lifecycle[k]!) && lifecycle[k]!.time_ms - last <= BOOT_GRACE_MS; k++) last = lifecycle[k]!.time_ms;
    out.push({ from: stop.time_ms - BEFORE_MS, to: last + BOOT_GRACE_MS, stop, start, ev: lifecycle.slice(i, j + 1).filter((e) => STOP(e) || e === start) });
  }
  return out;
}

/** Failed requests inside each restart window; the windows also tell the clock chart whose clock fired. */
export class RestartTally {
  private readonly acc: { w: Window; count: number; byVerdict: Record<string, number>; refs: RequestRef[] }[];

  constructor(readonly windows: readonly Window[]) {
    this.acc = windows.map((w) => ({ w, count: 0, byVerdict: {}, refs: [] }));
  }

  /** Whether a failed request is a casualty of a restart (counted once, in the first window that holds it). */
  inRestart(r: ReportPassRow): boolean {
    if (!RESTART_VERDICTS.has(r.verdict)) return false;
    return this.acc.some((a) => r.end_ms >= a.w.from && r.end_ms <= a.w.to);
  }

  add(r: ReportPassRow): void {
    if (!RESTART_VERDICTS.has(r.verdict)) return;
    const a = this.acc.find((x) => r.end_ms >= x.w.from && r.end_ms <= x.w.to);
    if (!a) return;
    a.count++;
    a.byVerdict[r.verdict] = (a.byVerdict[r.verdict] ?? 0) + 1;
    if (a.refs.length < CITED) a.refs.push(refOf(r));
  }

  result(): RestartWindow[] {
    return this.acc.map(({ w, count, byVerdict, refs }) => ({
      from: isoUtc(w.stop.time_ms),
      to: isoUtc(w.to - BOOT_GRACE_MS),
      stop: { message: w.stop.message, source: `${w.stop.file}:${w.stop.line_no}` },
      start: { message: w.start.message, source: `${w.start.file}:${w.start.line_no}` },
      failed_count: count,
      by_verdict: byVerdict,
      requests: refs,
    }));
  }
}
