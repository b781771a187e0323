/**
 * Finding the second at which a response disappears: start from a wait that succeeds, double until
 * one fails (or `max`), then bisect between the last success and the first failure down to
 * `precision`. Strictly one attempt at a time, never more than `maxRequests`: a probe must not
 * become a load test of the stack it measures. Pure: the attempt is injected.
 */
export type FailureKind = `http_${number}` | 'reset' | 'refused' | 'client_timeout' | 'error';
import { roundToMs } from '../domain/units.js';

/** Where a request was when it ended: before the connection, waiting for headers, or reading the body. */
export type Phase = 'connect' | 'headers' | 'body';

/** Body bytes read (and discarded), and whether the cap stopped the reading. */
interface BodyRead {
  readonly body_bytes?: number;
  readonly body_capped?: boolean;
}

export type AttemptOutcome =
  | ({ readonly ok: true; readonly status: number; readonly elapsed_s: number } & BodyRead)
  | ({ readonly ok: false; readonly failure: FailureKind; readonly status: number | null; readonly elapsed_s: number; readonly detail: string; readonly phase?: Phase } & BodyRead);

export interface AttemptRecord {
  readonly s: number;
  readonly outcome: AttemptOutcome;
}

export interface SearchOptions {
  readonly start: number;
  readonly precision: number;
  readonly max: number;
  readonly maxRequests: number;
}

/** 'gate': no search was made, only the --expect-* requests (expect.ts). */
export type StopReason = 'found' | 'no-drop' | 'max-requests' | 'interrupted' | 'fails-at-start' | 'gate';

export interface SearchResult {
  readonly last_ok_s: number | null;
  readonly first_fail_s: number | null;
  /** When the response disappeared: the failing requests' elapsed time, kept within [last_ok, first_fail]. */
  readonly drop_s: number | null;
  readonly failure: FailureKind | null;
  readonly attempts: readonly AttemptRecord[];
  readonly stopped: StopReason;
}

/** The attempt returns 'aborted' when interrupted (Ctrl-C): the search stops and reports what it knows. */
export type Attempt = (s: number) => Promise<AttemptOutcome | 'aborted'>;


export async function searchDrop(attempt: Attempt, o: SearchOptions): Promise<SearchResult> {
  const attempts: AttemptRecord[] = [];
  // An object, not two `let`s: the bracket is updated inside tryAt, and reads must see it.
  const bracket: { lo: number | null; hi: number | null; firstFail: AttemptOutcome | undefined } = { lo: null, hi: null, firstFail: undefined };

  /** One attempt, or the reason to stop. */
  const tryAt = async (s: number): Promise<AttemptOutcome | StopReason> => {
    if (attempts.length >= o.maxRequests) return 'max-requests';
    const out = await attempt(s);
    if (out === 'aborted') return 'interrupted';
    attempts.push({ s, outcome: out });
    if (out.ok) bracket.lo = s;
    else {
      bracket.hi = s;
      bracket.firstFail = out;
    }
    return out;
  };
  const done = (stopped: StopReason): SearchResult => summarize(attempts, bracket.lo, bracket.hi, bracket.firstFail, stopped);

  // 1. A wait that succeeds: the start value, or halves of it down to the precision.
  let s = o.start;
  for (;;) {
    const r = await tryAt(s);
    if (typeof r === 'string') return done(r);
    if (r.ok) break;
    if (s / 2 < o.precision) return done('fails-at-start');
    s = roundToMs(s / 2);
  }
  // 2. Grow (doubling) until a failure, or until `max` succeeds.
  while (bracket.hi === null) {
    if (s >= o.max) return done('no-drop');
    s = roundToMs(Math.min(s * 2, o.max));
    const r = await tryAt(s);
    if (typeof r === 'string') return done(r);
  }
  // 3. Bisect between the last success and the first failure.
  for (;;) {
    const { lo, hi } = bracket;
    if (lo === null || hi === null || hi - lo <= o.precision) break;
    const r = await tryAt(roundToMs((lo + hi) / 2));
    if (typeof r === 'string') return done(r);
  }
  return done('found');
}

function summarize(attempts: readonly AttemptRecord[], lo: number | null, hi: number | null, firstFail: AttemptOutcome | undefined, stopped: StopReason): SearchResult {
  const failure = firstFail && !firstFail.ok ? firstFail.failure : null;
  let drop: number | null = null;
  if (hi !== null && failure !== null) {
    // A clock that fires at T answers every request with s > T after ~T seconds: the elapsed time
    // of the failures measures T more precisely than the bisection bracket does.
    const same = attempts.filter((a) => !a.outcome.ok && a.outcome.failure === failure && (lo === null || a.outcome.elapsed_s >= lo - 0.05));
    const elapsed = same.length > 0 ? Math.min(...same.map((a) => a.outcome.elapsed_s)) : hi;
    drop = Math.round(Math.min(Math.max(elapsed, lo ?? 0), hi) * 10) / 10;
  }
  return { last_ok_s: lo, first_fail_s: hi, drop_s: drop, failure, attempts, stopped };
}
