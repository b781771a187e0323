/** How the report names a request: its duration, its citation (RequestRef) and its endpoint. */
import type { ReportPassRow } from '../store/sql/report-requests.js';
import { collapsePath } from './endpoints.js';
import type { RequestRef } from './types.js';
import { isoUtc, msToSeconds } from '../domain/units.js';

/** The request's duration as nginx measured it: $request_time, else end − start. */
export function durationMs(r: ReportPassRow): number | null {
  if (r.request_time_ms !== null) return r.request_time_ms;
  return r.start_ms !== null ? r.end_ms - r.start_ms : null;
}

export function refOf(r: ReportPassRow): RequestRef {
  const d = durationMs(r);
  return {
    id: r.id, time: isoUtc(r.end_ms), method: r.method, uri: r.uri, status: r.status, verdict: r.verdict,
    duration_s: msToSeconds(d), source: `${r.file}:${r.line_no}`,
  };
}

/**
 * Collapsing a path costs a split and three regexes; a day of traffic repeats a few thousand paths
 * a million times. The memo is dropped whole when it fills, so it never outgrows its cap.
 */
const collapsed = new Map<string, string>();
const MEMO_CAP = 20_000;

export function endpointOf(r: ReportPassRow): string {
  const raw = r.path ?? r.uri;
  let path = raw === null ? undefined : collapsed.get(raw);
  if (path === undefined) {
    path = collapsePath(raw);
    if (raw !== null) {
      if (collapsed.size >= MEMO_CAP) collapsed.clear();
      collapsed.set(raw, path);
    }
  }
  return `${r.method ?? '-'} ${path}`;
}
