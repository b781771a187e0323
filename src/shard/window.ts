/**
 * A shard's time window and what it owns. The window is [from, to) on nginx's end time; the rows kept
 * are [from − overlap, to + overlap), the overlap being the chain's longest timeout: a request that
 * ended in the window started at most that long before it, and its app record, worker death and
 * error line all fall between its start and a moment after its end.
 */
import type { Db } from '../store/open.js';
import { COUNT_LONGER_THAN_OVERLAP, TRIM_TO_WINDOW, type LongerThanOverlapRow } from '../store/sql/shard.js';
import { msToSeconds } from '../domain/units.js';

export interface ShardWindow {
  readonly fromMs: number;
  readonly toMs: number;
  /** the chain's longest timeout: rows this far either side of the window are kept for context */
  readonly overlapMs: number;
}

/** No window: the shard owns everything its stack logged. */
export const WHOLE_TIME = { fromMs: -8.64e15, toMs: 8.64e15 } as const;

export function ownedRange(w: ShardWindow | null): { from: number; to: number } {
  return w === null ? { from: WHOLE_TIME.fromMs, to: WHOLE_TIME.toMs } : { from: w.fromMs, to: w.toMs };
}

/** Deletes the rows no owned request can need. Returns how many went. */
export function trimToWindow(db: Db, w: ShardWindow): number {
  const range = { lo: w.fromMs - w.overlapMs, hi: w.toMs + w.overlapMs };
  let n = 0;
  db.transaction(() => {
    for (const sql of TRIM_TO_WINDOW) n += db.prepare(sql).run(range).changes;
  })();
  return n;
}

/**
 * After correlation: owned requests longer than the overlap may have lost evidence to the trim (their
 * start, their app record). Said, never hidden: the fix is a longer --overlap.
 */
export function overlapWarning(db: Db, w: ShardWindow): string | null {
  const r = db.prepare(COUNT_LONGER_THAN_OVERLAP).get({ from: w.fromMs, to: w.toMs, overlap: w.overlapMs }) as LongerThanOverlapRow;
  if (r.n === 0) return null;
  return `${r.n} request(s) lasted longer than the ${msToSeconds(w.overlapMs)} s overlap (the longest ${msToSeconds(r.longest_ms ?? 0)} s): ` +
    `their evidence may lie outside this shard; run again with --overlap ${Math.ceil(msToSeconds(r.longest_ms ?? 0)) + 1}s or more`;
}
