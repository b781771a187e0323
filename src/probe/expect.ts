/**
 * The probe as a deployment gate: instead of searching for the drop, ask the two questions a
 * pipeline has, one request each.
 *  - `--expect-at-least D`: a request that waits D must still be answered (status < 400).
 *  - `--expect-drop-by B`: a request that would wait longer (B + precision + 1 s) must be cut by a
 *    guard of the stack — a 5xx or a closed connection — within B + precision, rather than answered
 *    late or left hanging until our own client timeout.
 * Without --expect-at-least a first request at a short wait must succeed: otherwise a broken route
 * (a 502 at once) would pass for a guard. A failure says the measured second and the configured clock
 * that explains it (matches.ts), given the audit inputs.
 */
import type { AuditOutcome } from '../audit/audit.js';
import type { ChainValue } from '../audit/types.js';
import { attemptOnce, formatWait, type ProbeDeps } from './attempt.js';
import { findMatches, type ProbeMatch } from './matches.js';
import type { AttemptOutcome } from './search.js';
import { roundToMs } from '../domain/units.js';

export interface Expectations {
  /** Seconds the route must still answer at. */
  readonly atLeast?: number | undefined;
  /** Seconds by which a guard must have cut a longer wait. */
  readonly dropBy?: number | undefined;
}

export interface ExpectationResult {
  readonly flag: '--expect-at-least' | '--expect-drop-by';
  readonly value_s: number;
  /** The wait asked of the route. */
  readonly wait_s: number;
  readonly met: boolean;
  /** The measured second: when the response came, or when the request ended. */
  readonly elapsed_s: number;
  readonly status: number | null;
  readonly failure: string | null;
  /** The configured clock that explains the end of a failing request, nearest first; null without audit inputs or a match. */
  readonly clock: ProbeMatch | null;
  readonly message: string;
}

export interface GateRun {
  readonly expectations: readonly ExpectationResult[];
  /** Every request sent, in order (the start check first, when there is one). */
  readonly attempts: readonly { readonly s: number; readonly outcome: AttemptOutcome }[];
  /** 'fails-at-start': nothing answered the short wait, there was nothing to test. */
  readonly stopped: 'gate' | 'fails-at-start' | 'interrupted';
}

export interface GateContext {
  readonly url: string;
  readonly precision: number;
  readonly start: number;
  /** The user's --client-timeout, or undefined: then each request gets its wait + 10 s. */
  readonly clientTimeout: number | undefined;
  readonly maxBodyBytes: number;
  readonly audit: Extract<AuditOutcome, { ok: true }> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((line: string) => void) | undefined;
}

/** A failure the stack produced on purpose: a gateway's 5xx, or a connection it closed. */
const isGuard = (o: AttemptOutcome): boolean => !o.ok && (/^http_5\d\d$/.test(o.failure) || o.failure === 'reset');

export async function runGate(expect: Expectations, ctx: GateContext, deps: ProbeDeps): Promise<GateRun> {
  const attempts: { s: number; outcome: AttemptOutcome }[] = [];
  const send = async (s: number): Promise<AttemptOutcome | 'aborted'> => {
    ctx.onProgress?.(`waiting ${formatWait(s)}s …`);
    const o = await attemptOnce(ctx.url, s, ctx.clientTimeout ?? s + 10, deps, ctx.signal, ctx.maxBodyBytes);
    if (o !== 'aborted') attempts.push({ s, outcome: o });
    return o;
  };
  const clockFor = (o: AttemptOutcome): ProbeMatch | null => {
    if (o.ok || ctx.audit === undefined) return null;
    const extra: ChainValue[] = ctx.clientTimeout === undefined ? [] : [{ layer: 'client', setting: 'timeout', value: `${ctx.clientTimeout}`, value_s: ctx.clientTimeout, source: '--client-timeout (the probe itself)' }];
    return findMatches(ctx.audit, ctx.url, o.elapsed_s, o.failure, ctx.precision, extra)[0] ?? null;
  };
  const results: ExpectationResult[] = [];

  if (expect.atLeast === undefined) {
    const s = Math.min(ctx.start, (expect.dropBy ?? ctx.start * 2) / 2);
    const o = await send(s);
    if (o === 'aborted') return { expectations: results, attempts, stopped: 'interrupted' };
    if (!o.ok) return { expectations: results, attempts, stopped: 'fails-at-start' };
  } else {
    const d = expect.atLeast;
    const o = await send(d);
    if (o === 'aborted') return { expectations: results, attempts, stopped: 'interrupted' };
    // nothing listening, a name that does not resolve: no chain answered, nothing to hold it to
    if (!o.ok && (o.failure === 'refused' || o.failure === 'error')) return { expectations: results, attempts, stopped: 'fails-at-start' };
    const clock = clockFor(o);
    const message = o.ok
      ? `answered ${o.status} after ${o.elapsed_s}s to a ${formatWait(d)}s wait`
      : `a ${formatWait(d)}s wait failed: ${o.failure} after ${o.elapsed_s}s (${o.detail})${firedBy(clock)}`;
    results.push({ flag: '--expect-at-least', value_s: d, wait_s: d, met: o.ok, elapsed_s: o.elapsed_s, status: o.status, failure: o.ok ? null : o.failure, clock, message });
  }

  if (expect.dropBy !== undefined) {
    const b = expect.dropBy;
    const limit = roundToMs(b + ctx.precision);
    const w = roundToMs(b + ctx.precision + 1);
    const o = await send(w);
    if (o === 'aborted') return { expectations: results, attempts, stopped: 'interrupted' };
    const clock = clockFor(o);
    const met = isGuard(o) && o.elapsed_s <= limit;
    let message: string;
    if (o.ok) message = `a ${formatWait(w)}s wait was answered (${o.status} after ${o.elapsed_s}s): no clock of the stack cut it by ${formatWait(b)}s`;
    else if (o.failure === 'client_timeout') message = `nothing in the stack ended a ${formatWait(w)}s wait: the probe's own client timeout did, after ${o.elapsed_s}s (${o.detail})`;
    else if (!isGuard(o)) message = `a ${formatWait(w)}s wait ended with ${o.failure} after ${o.elapsed_s}s (${o.detail}): not a gateway timeout or a closed connection`;
    else message = `${o.failure} after ${o.elapsed_s}s${met ? '' : `, later than ${formatWait(b)}s (+${ctx.precision}s precision)`}${firedBy(clock)}`;
    results.push({ flag: '--expect-drop-by', value_s: b, wait_s: w, met, elapsed_s: o.elapsed_s, status: o.status, failure: o.ok ? null : o.failure, clock, message });
  }
  return { expectations: results, attempts, stopped: 'gate' };
}

const firedBy = (c: ProbeMatch | null): string => (c ? `; the clock that fired: ${c.layer} ${c.setting} = ${c.value_s}s (${c.source})` : '');

/** "--expect-at-least 25s not met: a 25s wait failed: http_504 after 20.0s …" — the stderr line of a failed expectation. */
export const describeExpectation = (e: ExpectationResult): string => `${e.flag} ${formatWait(e.value_s)}s ${e.met ? 'met' : 'not met'}: ${e.message}`;
