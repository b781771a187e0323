/** What one nginx access line says. Every field a log_format may not contain is nullable. */
import type { DurationMs, EpochMs } from '../../src/domain/units.js';

/** One upstream attempt: `$upstream_*` lists hold one value per attempt (", ") and group (" : "). */
export interface UpstreamAttempt {
  readonly addr: string | null;
  /** null when nginx logged "-" (no response: timeout, reset) */
  readonly status: number | null;
  readonly connectTime: DurationMs | null;
  readonly headerTime: DurationMs | null;
  readonly responseTime: DurationMs | null;
  /** Index of the upstream group (values after a " : " belong to the next group, e.g. after X-Accel-Redirect). */
  readonly group: number;
}

export interface NginxAccessRecord {
  /** When nginx wrote the line: the request's end. From $msec, $time_iso8601 or $time_local. */
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly remoteAddr: string | null;
  readonly remoteUser: string | null;
  /** The request line as logged ($request), null for "-" */
  readonly request: string | null;
  readonly method: string | null;
  /** URI as logged, query included */
  readonly uri: string | null;
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
  /** true when $request is not "METHOD URI PROTOCOL": TLS bytes on a plain port, a scanner's junk */
  readonly requestJunk: boolean;
  readonly status: number | null;
  readonly bodyBytesSent: number | null;
  readonly bytesSent: number | null;
  readonly requestLength: number | null;
  readonly referer: string | null;
  readonly userAgent: string | null;
  readonly forwardedFor: string | null;
  readonly host: string | null;
  readonly requestTime: DurationMs | null;
  /** null when the format logs no $upstream_* variable; [] when nginx logged "-" (no upstream used) */
  readonly attempts: readonly UpstreamAttempt[] | null;
  readonly requestId: string | null;
  readonly connection: number | null;
  readonly connectionRequests: number | null;
  /** $pipe: true for "p" (pipelined) */
  readonly pipelined: boolean | null;
  /** Every other variable the format logs, by name without "$". */
  readonly extra: Readonly<Record<string, string>>;
}
