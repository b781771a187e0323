/**
 * Cloudflare's HTTP requests dataset as Logpush writes it: one JSON object per line, with the fields
 * the job asked for. The edge's own failures toward the origin are its statuses: 520 (the origin
 * answered something empty or unknown), 521 (refused), 522 (connection timed out), 523 (unreachable),
 * 524 (the origin took longer than the proxy read timeout, 100 s by default), 525/526 (TLS).
 * Timestamps come as RFC 3339, Unix seconds or Unix nanoseconds, as the job's timestamp_format says.
 * https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/
 */
import { record, reject, type LineParser } from '../result.js';
import { epochMs, durationMs, epochMicrosToEpochMs, epochNanosToEpochMs, epochSecondsToEpochMs, nanosToDuration } from '../../src/domain/units.js';
import type { LbRecord } from '../load-balancer/record.js';
import { isoToMs } from '../load-balancer/fields.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Logpush's timestamp formats → epoch ms. */
export function cloudflareTime(v: unknown): number | null {
  if (typeof v === 'string') return /^\d+$/.test(v) ? cloudflareTime(Number(v)) : isoToMs(v);
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return null;
  if (v > 1e17) return epochNanosToEpochMs(v); // unixnano
  if (v > 1e14) return epochMicrosToEpochMs(v); // microseconds
  if (v > 1e11) return Math.round(v); // milliseconds
  return epochSecondsToEpochMs(v); // unix seconds
}

export function createCloudflareParser(): LineParser<LbRecord> {
  return (line) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return reject('not one JSON object on the line: Logpush writes one per line (ndjson)');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject('a JSON value that is not an object');
    const e = v as Json;
    const end = cloudflareTime(e['EdgeEndTimestamp']);
    const start = cloudflareTime(e['EdgeStartTimestamp']);
    if (end === null && start === null) return reject('no EdgeEndTimestamp or EdgeStartTimestamp: add them to the Logpush job\'s fields');
    const uri = str(e['ClientRequestURI']);
    const q = uri ? uri.indexOf('?') : -1;
    const originMs = num(e['OriginResponseDurationMs']) ?? (num(e['OriginResponseTime']) !== null ? nanosToDuration(num(e['OriginResponseTime'])!) : null);
    const edgeStatus = num(e['EdgeResponseStatus']);
    const originStatus = num(e['OriginResponseStatus']);
    const extra: Record<string, string> = {};
    for (const k of ['ClientRequestHost', 'CacheCacheStatus', 'ZoneName', 'EdgeColoCode', 'OriginResponseHTTPExpires'] as const) {
      const x = e[k];
      if (x !== undefined && x !== '') extra[k] = typeof x === 'string' ? x : JSON.stringify(x);
    }
    const rec: LbRecord = {
      kind: 'cloudflare',
      time: epochMs(end ?? start!), timeText: typeof e['EdgeEndTimestamp'] === 'string' ? e['EdgeEndTimestamp'] : String(e['EdgeEndTimestamp'] ?? e['EdgeStartTimestamp']),
      startTime: start === null ? null : epochMs(start),
      clientAddr: str(e['ClientIP']), clientPort: num(e['ClientSrcPort']),
      targetAddr: str(e['OriginIP']), targetPort: null, target: str(e['OriginIP']),
      localAddr: null, localPort: null,
      method: str(e['ClientRequestMethod']), uri, path: uri ? (q < 0 ? uri : uri.slice(0, q)) : null,
      protocol: str(e['ClientRequestProtocol']),
      status: edgeStatus === null || edgeStatus === 0 ? null : edgeStatus,
      targetStatus: originStatus === null || originStatus === 0 ? null : originStatus,
      elapsed: start !== null && end !== null && end >= start ? durationMs(end - start) : null,
      targetTime: originMs === null || originMs <= 0 ? null : durationMs(originMs),
      connectTime: null,
      termination: null,
      traceId: str(e['RayID']),
      requestId: str(e['RequestHeaders'] && typeof e['RequestHeaders'] === 'object' ? (e['RequestHeaders'] as Json)['x-request-id'] : null),
      userAgent: str(e['ClientRequestUserAgent']),
      receivedBytes: num(e['ClientRequestBytes']), sentBytes: num(e['EdgeResponseBytes']),
      extra,
    };
    return record(rec, 'cloudflare/http_requests');
  };
}
