/**
 * A request's LB line (and its nginx verdict, when nginx logged it) → the verdict with the LB in it.
 * Pure. What the LB says is read per vendor: who ended the request (the client, the LB's own clock,
 * the connection to nginx, no target at all), then weighed against what nginx logged. A client that
 * gave up stays `client_abort`; the LB's clock firing turns nginx's 499 into `lb_timeout`.
 */
import { isFailed, type Verdict } from '../domain/verdicts.js';
import { exact, inferred, type Support } from '../domain/evidence.js';
import type { LbPassRow, NginxForLbRow } from './lb-rows.js';
import { lbSignal, LB_VENDOR as VENDOR } from '../domain/lb-signal.js';
import { msToSeconds } from '../domain/units.js';

export { lbSignal, type LbSignal } from '../domain/lb-signal.js';

/** A failure on a reused connection is at once: the LB wrote the request and read the close. */
export const LB_KEEPALIVE_RACE_MAX_MS = 100;

/** The LB's line as evidence: "ALB 504 after 60.0 s (target -)" / "HAProxy sH-- 504 after 30.0 s". */
export function describeLb(l: LbPassRow): string {
  const after = l.elapsed_ms !== null ? ` after ${msToSeconds(l.elapsed_ms).toFixed(1)} s` : '';
  const status = l.status === null ? 'no status' : String(l.status);
  const term = l.termination && l.kind === 'haproxy' ? ` ${l.termination}` : l.termination ? ` (${l.termination})` : '';
  return `${VENDOR[l.kind]} logged ${status}${term}${after}`;
}

/** How long the LB waited between handing the request to nginx and the failure, where the line says. */
function waitedOnTargetMs(l: LbPassRow): number | null {
  if (l.kind === 'haproxy' && l.elapsed_ms !== null) {
    let extra: Record<string, string> = {};
    try { extra = l.extra ? (JSON.parse(l.extra) as Record<string, string>) : {}; } catch { /* kept empty */ }
    return l.elapsed_ms - Number(extra['TR'] ?? 0) - Number(extra['Tw'] ?? 0) - (l.connect_ms ?? 0);
  }
  return l.target_ms ?? l.elapsed_ms;
}

export interface LbClassified {
  readonly verdict: Verdict;
  readonly silent: boolean;
  readonly keepaliveRace: boolean;
  readonly explanation: string;
  /** What supports the verdict, when the LB decided it (null: nginx's verdict and its support stand) */
  readonly support: Support | null;
  /** A request only the LB logged: its flags' support */
  readonly flags: { silent?: Support; keepalive_race?: Support };
}

export function classifyWithLb(l: LbPassRow, n: NginxForLbRow | null, method: string | null = null): LbClassified {
  const signal = lbSignal(l);
  const lb = describeLb(l);
  const vendor = VENDOR[l.kind];
  if (n === null) {
    const waited = waitedOnTargetMs(l);
    const race = signal === 'upstream_error' && waited !== null && waited <= LB_KEEPALIVE_RACE_MAX_MS;
    const v = ((): { verdict: Verdict; why: string } => {
      switch (signal) {
        case 'unavailable': return { verdict: 'lb_unavailable', why: `${lb}: it had no healthy target to send it to; nginx never saw it` };
        case 'lb_timeout': return { verdict: 'lb_timeout', why: `${lb}: its timeout fired; nginx logged no line for it` };
        case 'upstream_error': return race
          ? { verdict: 'lb_upstream_error', why: `${lb}: the connection to nginx closed as ${vendor} reused it (the LB→nginx keep-alive race: nginx's keepalive_timeout ended the idle connection first); nginx logged no line for it` }
          : { verdict: 'lb_upstream_error', why: `${lb}: its connection to nginx failed or closed before an answer; nginx logged no line for it` };
        case 'client_gave_up': return { verdict: 'client_abort', why: `${lb}: the client closed its connection to the LB before an answer; nginx logged no line for it` };
        case 'answered': return (l.target_status ?? 0) >= 500
          ? { verdict: 'app_error', why: `${lb}, the target's own ${l.target_status}; nginx logged no line for it (a log that does not cover it?)` }
          : { verdict: 'ok', why: `${lb}; nginx logged no line for it (answered by the LB itself, or a log that does not cover it)` };
      }
    })();
    const flags: LbClassified['flags'] = {};
    if (isFailed(v.verdict)) flags.silent = inferred('nginx logged no line for it, so neither did the app');
    if (race) flags.keepalive_race = inferred(`the LB's line shows the failure within ${LB_KEEPALIVE_RACE_MAX_MS} ms of sending it to nginx, on no nginx line`);
    return { verdict: v.verdict, silent: isFailed(v.verdict), keepaliveRace: race, explanation: v.why, support: exact(`${lb} and no nginx line matched it`), flags };
  }
  // The pairing is exact when an id joined them, a rule when time, method and path did.
  const paired = (what: string): Support => (method === 'time_window' || method === null ? inferred(`${what} (the LB line matched by time window, method and path)`) : exact(`${what} (the LB line joined by ${method})`));
  // The LB's clock fired and nginx saw the LB leave (499), or was still working when the LB answered.
  if (signal === 'lb_timeout' && (n.verdict === 'client_abort' || n.status === 499 || n.verdict === 'ok')) {
    const wasted = n.app_completed === 1 ? '; the handler still ran to completion' : '';
    return { verdict: 'lb_timeout', silent: true, keepaliveRace: false, explanation: `${lb}: its timeout fired first and it answered the client itself; nginx logged ${n.status ?? '-'} when the LB closed${wasted}`,
      support: paired(`${lb} and nginx logged ${n.status ?? '-'}`), flags: {} };
  }
  if (signal === 'upstream_error' && !isFailed(n.verdict)) {
    return { verdict: 'lb_upstream_error', silent: true, keepaliveRace: false, explanation: `${lb}: its connection to nginx closed before the answer reached it, though nginx logged ${n.status ?? '-'}`,
      support: paired(`${lb} and nginx logged ${n.status ?? '-'}`), flags: {} };
  }
  if (signal === 'client_gave_up' && n.verdict === 'client_abort') {
    return { verdict: n.verdict, silent: n.silent === 1, keepaliveRace: false, explanation: `${n.explanation}; ${lb}: the client left the LB (the LB's clock had not fired)`,
      support: paired(`nginx logged 499 and ${lb}: the client closed its connection to the LB`), flags: {} };
  }
  return { verdict: n.verdict, silent: n.silent === 1, keepaliveRace: false, explanation: `${n.explanation}; ${lb}`, support: null, flags: {} };
}
