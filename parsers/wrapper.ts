/**
 * One line on its own, no file around it: the delivery wrapper that takes most of it, for callers
 * that see a single line (a pasted line in a test, a detection heuristic). The ingest does not use
 * this: it decides one reading per file from all its first lines (src/ingest/reading.ts), so that a
 * wrapper never takes a field the file's own format owns (a log_format that starts with $time_iso8601).
 */
import { READINGS, WRAPPER_BY_ID, type WrapperId } from './delivery/wrappers.js';
import { createUnwrapContext, unwrapWith, type UnwrapContext } from './delivery/unwrap.js';
import type { EpochMs } from '../src/domain/units.js';

export type WrapperKind = WrapperId | 'none';

export interface UnwrappedLine {
  readonly inner: string;
  /** The outermost wrapper of the reading that took most of the line. */
  readonly wrapper: WrapperKind;
  /** The wrapper's own time when it says a full instant on its own (not syslog's: no year, no zone), else null. */
  readonly wrapperTime: EpochMs | null;
}

let ctx: UnwrapContext | null = null;

export function unwrapLine(line: string): UnwrappedLine {
  ctx ??= createUnwrapContext('UTC', new Date().getUTCFullYear());
  let best: { inner: string; wrapper: WrapperKind; time: EpochMs | null } = { inner: line, wrapper: 'none', time: null };
  for (const chain of READINGS) {
    const d = unwrapWith(chain, line, ctx);
    if (d.matched !== chain.length) continue;
    // The reading whose wrappers took the longest prefix: CRI's "stdout F " over a bare timestamp.
    if (d.text.length < best.inner.length) {
      const kind = WRAPPER_BY_ID[chain[chain.length - 1]!].time;
      best = { inner: d.text, wrapper: chain[0]!, time: kind === 'rfc3339' || kind === 'epoch-us' ? d.time : null };
    }
  }
  return { inner: best.inner, wrapper: best.wrapper, wrapperTime: best.time };
}
