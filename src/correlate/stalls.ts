/**
 * Event-loop stalls: a blocking call inside an `async def` handler freezes its worker's event loop,
 * so every other request on that worker waits and then finishes in a burst the moment it returns.
 * The signature, per worker pid: a long handler B during which the worker started and completed
 * nothing else, then at B's return the handlers in flight since before B ending at once and the
 * requests nginx had sent meanwhile starting at once (findStalls).
 */
import type { Db } from '../store/open.js';
import { iterateRows } from '../store/raw-rows.js';
import { SELECT_STALL_CANDIDATES, SELECT_STALL_CANDIDATES_OF_PIDS, RESET_STALLS_FROM, MARK_STALLED } from '../store/sql/correlation.js';

interface Handled {
  readonly access_id: number;
  readonly pid: number;
  readonly start_ms: number | null;
  readonly end_ms: number;
  readonly app_end_ms: number;
  readonly app_elapsed_ms: number | null;
}

/** The stall candidates' columns, read as arrays (store/raw-rows.ts: a million verdicts may be read back). */
const HANDLED_COLUMNS = ['access_id', 'pid', 'start_ms', 'end_ms', 'app_end_ms', 'app_elapsed_ms'] as const;
const buildHandled = (r: unknown[]): Handled => ({
  access_id: r[0] as number, pid: r[1] as number, start_ms: r[2] as number | null, end_ms: r[3] as number,
  app_end_ms: r[4] as number, app_elapsed_ms: r[5] as number | null,
});

/** A handler shorter than this cannot stall anybody noticeably. */
const BLOCKER_MIN_MS = 500;
/**
 * When the loop comes back it runs what was waiting at once: a victim in flight ends, a queued one
 * starts, within this of the blocker's return (or this much before: log times against elapsed times).
 */
const BURST_MS = 50;
/** A queued victim must have waited at least this long for the blocker (nginx had it that much earlier). */
const WAITED_MIN_MS = 200;
/** Longest handler considered: gunicorn kills a blocked worker after --timeout (30 s default; some run 120). */
const MAX_BLOCK_MS = 180_000;

export interface Stall {
  readonly victim: number;
  readonly blocker: number;
}

const appStart = (r: Handled): number | null => (r.app_elapsed_ms === null ? null : r.app_end_ms - r.app_elapsed_ms);

/** Index of the first element whose key is at or above `x`, in an array sorted by that key. */
function lowerBound<T>(sorted: readonly T[], key: (t: T) => number, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]!) < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Pure: the stalls among one worker's handled requests, sorted by app end.
 *
 * While a handler blocks the loop, the worker neither completes nor starts anything else: a handler
 * that started or ended on the worker inside B's run proves the loop was turning (B awaited, as
 * concurrent `await asyncio.sleep` handlers do). When B returns, the loop first runs what waited:
 * handlers in flight since before B end at once, and requests nginx had sent meanwhile start at
 * once, having waited; both within BURST_MS of B's end.
 */
export function findStalls(rows: readonly Handled[]): Stall[] {
  const out: Stall[] = [];
  const victims = new Set<number>();
  const byStart = rows.filter((r) => r.app_elapsed_ms !== null).sort((a, b) => appStart(a)! - appStart(b)!);
  const startOf = (r: Handled): number => appStart(r)!;
  const endOf = (r: Handled): number => r.app_end_ms;
  for (const b of rows) {
    const elapsed = b.app_elapsed_ms ?? 0;
    // A request released by the burst after a block is a victim, not a second blocker.
    if (elapsed < BLOCKER_MIN_MS || elapsed > MAX_BLOCK_MS || victims.has(b.access_id)) continue;
    const bStart = b.app_end_ms - elapsed;
    const bEnd = b.app_end_ms;
    // Nothing else completed on this worker while B ran, and nothing started: the loop was not turning.
    const endedInside = lowerBound(rows, endOf, bStart + BURST_MS);
    if (endedInside < rows.length && rows[endedInside]!.app_end_ms < bEnd - BURST_MS) continue;
    const startedInside = lowerBound(byStart, startOf, bStart + BURST_MS);
    if (startedInside < byStart.length && startOf(byStart[startedInside]!) < bEnd - BURST_MS) continue;
    const found = (q: Handled): void => {
      if (q === b || victims.has(q.access_id)) return;
      victims.add(q.access_id);
      out.push({ victim: q.access_id, blocker: b.access_id });
    };
    // in flight since before B: ends in the burst
    for (let j = lowerBound(rows, endOf, bEnd - BURST_MS); j < rows.length && rows[j]!.app_end_ms <= bEnd + BURST_MS; j++) {
      const q = rows[j]!;
      const s = appStart(q);
      if (s !== null && s < bStart - BURST_MS) found(q);
    }
    // queued while B ran: starts in the burst, and nginx had it well before (needs $request_time)
    for (let j = lowerBound(byStart, startOf, bEnd - BURST_MS); j < byStart.length && startOf(byStart[j]!) <= bEnd + BURST_MS; j++) {
      const q = byStart[j]!;
      if (q.start_ms !== null && bEnd - Math.max(q.start_ms, bStart) >= WAITED_MIN_MS) found(q);
    }
  }
  out.sort((x, y) => x.victim - y.victim);
  return out;
}

/** Whether a verdict row's handler could have blocked its worker (findStalls' test for a blocker). */
export function couldBlock(v: { app_completed: number | null; app_pid: number | null; app_end_ms: number | null; app_elapsed_ms: number | null }): boolean {
  return v.app_completed === 1 && v.app_pid !== null && v.app_end_ms !== null && (v.app_elapsed_ms ?? 0) >= BLOCKER_MIN_MS;
}

/**
 * Marks the stalled requests among those ending from `fromMs` on (null: all). After a full sweep,
 * `blockerPids` (the pids of the rows couldBlock() accepted) spares reading back a million verdict
 * rows when few workers had a long handler: findStalls finds nothing on a worker without one.
 */
export function markStalls(db: Db, fromMs: number | null, blockerPids: ReadonlySet<number> | null = null): number {
  if (blockerPids !== null && fromMs !== null) throw new Error('internal: blockerPids come from a full sweep only');
  const from = fromMs ?? -8.64e15;
  // Rows a full sweep has just written are not stalled yet: there is nothing to reset.
  if (blockerPids === null) db.prepare(RESET_STALLS_FROM).run(from);
  else if (blockerPids.size === 0) return 0;
  // Read on the correlation's own connection: its verdicts are not committed yet (the whole
  // correlation is one transaction), and nothing is written while the iterator is open.
  const reader = db;
  const stalls: Stall[] = [];
  {
    let pid: number | null = null;
    let buf: Handled[] = [];
    const candidates = blockerPids === null
      ? iterateRows(reader.prepare(SELECT_STALL_CANDIDATES), HANDLED_COLUMNS, buildHandled, from)
      : iterateRows(reader.prepare(SELECT_STALL_CANDIDATES_OF_PIDS), HANDLED_COLUMNS, buildHandled, from, JSON.stringify([...blockerPids]));
    for (const r of candidates) {
      if (r.pid !== pid) {
        stalls.push(...findStalls(buf));
        buf = [];
        pid = r.pid;
      }
      buf.push(r);
      // Bounded memory: once the buffer spans far more than any block, settle its older part.
      if (buf.length > 20_000 && r.app_end_ms - buf[0]!.app_end_ms > 2 * MAX_BLOCK_MS) {
        const cut = buf.findIndex((x) => x.app_end_ms > r.app_end_ms - MAX_BLOCK_MS - BURST_MS);
        const settled = findStalls(buf).filter((s) => buf.findIndex((x) => x.access_id === s.blocker) < cut);
        stalls.push(...settled);
        buf = buf.slice(Math.max(0, cut - 1_000));
      }
    }
    stalls.push(...findStalls(buf));
  }
  const mark = db.prepare(MARK_STALLED);
  const seen = new Set<number>();
  db.transaction(() => {
    for (const s of stalls) {
      if (seen.has(s.victim)) continue;
      seen.add(s.victim);
      mark.run(s.blocker, s.victim);
    }
  })();
  return seen.size;
}
