/**
 * Which nginx error-log line ended which upstream attempt. nginx logs one line per failed attempt, in
 * the order it tried them, each naming the upstream it tried (`upstream: "http://127.0.0.1:8001/…"`,
 * or the group's name when it found no live server: `upstream: "http://app/…"`), and `$upstream_addr`
 * lists the same attempts in the same order. Pairing them tells, per attempt, whether nginx reached a
 * server there (reset, premature close, timeout) or never connected (refused, no live upstreams):
 * the set of a request's error kinds cannot, once failures of both sorts are in it.
 */
import type { ErrorRow } from '../store/sweep-rows.js';

/** Error kinds that end one upstream attempt: each failed attempt logs exactly one of them. */
export const ATTEMPT_ERROR_KINDS: ReadonlySet<string> = new Set([
  'upstream_read_timeout', 'upstream_send_timeout', 'upstream_connect_timeout',
  'upstream_prematurely_closed', 'upstream_reset', 'upstream_refused', 'no_live_upstreams',
]);

/** What the pairing needs of an attempt: its `$upstream_addr` entry and whether it failed. */
export interface AttemptToPair {
  readonly addr: string | null;
  readonly failed: boolean;
}

/**
 * The error kind that ended each attempt, or null where no line can be paired with it (an answered
 * attempt, no error log, a line the window did not catch). An attempt with an address takes the next
 * unpaired line naming that upstream; when the format logs no `$upstream_addr`, lines pair in order,
 * and only when there is exactly one per failed attempt (otherwise which is whose is a guess).
 */
export function pairAttemptErrors(attempts: readonly AttemptToPair[], errs: readonly ErrorRow[]): (string | null)[] {
  const lines = errs.filter((e) => ATTEMPT_ERROR_KINDS.has(e.kind));
  const out: (string | null)[] = attempts.map(() => null);
  if (lines.length === 0) return out;
  const failed = attempts.filter((a) => a.failed).length;
  const inOrder = attempts.every((a) => a.addr === null) && failed === lines.length;
  let next = 0;
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    if (!a.failed) continue;
    if (inOrder) { out[i] = lines[next++]!.kind; continue; }
    if (a.addr === null) continue;
    const j = lines.findIndex((e, k) => k >= next && e.upstream !== null && namesUpstream(e.upstream, a.addr!));
    if (j < 0) continue;
    out[i] = lines[j]!.kind;
    next = j + 1;
  }
  return out;
}

/**
 * Whether the error line's `upstream: "…"` URL names this `$upstream_addr` entry: "http://127.0.0.1:8001/x"
 * names 127.0.0.1:8001, "http://unix:/run/app.sock:/x" names unix:/run/app.sock, "http://app/x" the group "app".
 */
export function namesUpstream(url: string, addr: string): boolean {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (!rest.startsWith(addr)) return false;
  const after = rest.charAt(addr.length);
  return after === '' || after === '/' || after === ':' || after === '?';
}
