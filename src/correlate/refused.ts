/**
 * Requests no upstream ever accepted: every attempt was refused at connect, or nginx had no live
 * upstream to try. Such a request never reached the app, so no app record can be its own: matching
 * by time must not give it one (the record belongs to a request the app did serve), and death
 * matching must not blame a worker for it.
 */
import type { AccessRow, ErrorRow } from '../store/sweep-rows.js';
import { readLoggedAttempts } from '../store/attempts.js';

const REFUSED_KINDS = new Set(['upstream_refused', 'no_live_upstreams']);

/**
 * nginx marks servers down after real failures and then logs "no live upstreams" for the last try:
 * only a request whose every error line is a refusal never reached an upstream at all.
 */
export function allRefused(errorKinds: readonly string[]): boolean {
  return errorKinds.length > 0 && errorKinds.every((k) => REFUSED_KINDS.has(k));
}

/**
 * The request failed with nginx's 502 and every error line about it is a refusal; with
 * $upstream_status, no attempt got a response header or a status of its own. A refused attempt
 * that nginx retried on a server that answered is not one: that server's app saw it.
 */
export function neverAccepted(a: AccessRow, errs: readonly ErrorRow[]): boolean {
  if (a.status !== 502 || !allRefused(errs.map((e) => e.kind))) return false;
  const stored = readLoggedAttempts(a.attempts);
  if (stored === null) return true;
  return stored.every((x) => (x.status === null || x.status === 502) && x.header_ms === null);
}
