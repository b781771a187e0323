/**
 * AWS Classic Load Balancer (ELB) access logs: the older positional format, fifteen fields, no type
 * prefix and no request creation time (so no start: only the three processing times, -1 when the
 * ELB never reached or heard from the backend).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
 */
import { record, reject, type LineParser } from '../result.js';
import { epochMs, durationMs } from '../../src/domain/units.js';
import type { LbRecord } from '../load-balancer/record.js';
import { dashNull, intOrNull, isoToMs, parseRequest, secondsOrNull, splitFields, splitHostPort, statusOf } from '../load-balancer/fields.js';

export const ELB_FIELDS = [
  'time', 'elb', 'client:port', 'backend:port', 'request_processing_time', 'backend_processing_time',
  'response_processing_time', 'elb_status_code', 'backend_status_code', 'received_bytes', 'sent_bytes', 'request',
  'user_agent', 'ssl_cipher', 'ssl_protocol',
] as const;

export function createElbParser(): LineParser<LbRecord> {
  return (line) => {
    const f = splitFields(line);
    if (f === null) return reject('a classic ELB access log line with a quote that is never closed (a line cut short?)');
    if (f.length < 12) return reject(`a classic ELB access log line with ${f.length} fields; it carries 15 (12 over TCP listeners)`);
    const time = isoToMs(f[0]);
    if (time === null) return reject(`classic ELB time "${(f[0] ?? '').slice(0, 40)}" is not ISO 8601 UTC`);
    const client = splitHostPort(f[2]);
    const backend = splitHostPort(f[3]);
    const req = parseRequest(f[11] ?? null);
    const times = [secondsOrNull(f[4]), secondsOrNull(f[5]), secondsOrNull(f[6])];
    const extra: Record<string, string> = { elb: f[1]! };
    for (const i of [4, 6, 13, 14]) if (f[i] !== undefined && f[i] !== '-') extra[ELB_FIELDS[i]!] = f[i]!;
    const rec: LbRecord = {
      kind: 'elb',
      time: epochMs(time), timeText: f[0]!, startTime: null,
      clientAddr: client.addr, clientPort: client.port,
      targetAddr: backend.addr, targetPort: backend.port, target: dashNull(f[3]),
      localAddr: null, localPort: null,
      method: req.method, uri: req.uri, path: req.path, protocol: req.protocol,
      status: statusOf(f[7]), targetStatus: statusOf(f[8]),
      elapsed: times.every((x) => x !== null) ? durationMs(times.reduce<number>((s, x) => s + x!, 0)) : null,
      targetTime: times[1]!,
      connectTime: null,
      termination: null, traceId: null, requestId: null,
      userAgent: dashNull(f[12]),
      receivedBytes: intOrNull(f[9]), sentBytes: intOrNull(f[10]),
      extra,
    };
    return record(rec, f.length >= 15 ? 'elb/http' : 'elb/tcp');
  };
}
