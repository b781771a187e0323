/**
 * AWS Application Load Balancer access logs, one entry per line as S3 delivers them (gzip is undone
 * by the input layer). Fields are positional, separated by spaces, some quoted; AWS appends new
 * fields at the end over the years and tells parsers to ignore any they do not know, so a line needs
 * the documented ones up to `request_creation_time` and may carry more.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 */
import { record, reject, type LineParser } from '../result.js';
import { epochMs, durationMs } from '../../src/domain/units.js';
import type { LbRecord } from '../load-balancer/record.js';
import { dashNull, intOrNull, isoToMs, parseRequest, secondsOrNull, splitFields, splitHostPort, statusOf } from '../load-balancer/fields.js';

/** The documented fields, in order; index = position on the line. */
export const ALB_FIELDS = [
  'type', 'time', 'elb', 'client:port', 'target:port', 'request_processing_time', 'target_processing_time',
  'response_processing_time', 'elb_status_code', 'target_status_code', 'received_bytes', 'sent_bytes', 'request',
  'user_agent', 'ssl_cipher', 'ssl_protocol', 'target_group_arn', 'trace_id', 'domain_name', 'chosen_cert_arn',
  'matched_rule_priority', 'request_creation_time', 'actions_executed', 'redirect_url', 'error_reason',
  'target:port_list', 'target_status_code_list', 'classification', 'classification_reason', 'conn_trace_id',
  'transformed_host', 'transformed_uri', 'request_transform_status',
] as const;

/** Fields up to request_creation_time: every ALB log since 2018 has them. */
const REQUIRED = 22;
const TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
/** Stored as columns; the rest go to `extra`. */
const AS_COLUMNS = new Set(['type', 'time', 'client:port', 'target:port', 'target_processing_time', 'elb_status_code',
  'target_status_code', 'received_bytes', 'sent_bytes', 'request', 'user_agent', 'trace_id', 'request_creation_time', 'error_reason']);

export function createAlbParser(): LineParser<LbRecord> {
  return (line) => {
    const f = splitFields(line);
    if (f === null) return reject('an ALB access log line with a quote that is never closed (a line cut short?)');
    if (!TYPES.has(f[0] ?? '')) return reject(`not an ALB access log line: it starts with "${(f[0] ?? '').slice(0, 20)}", not one of http, https, h2, grpcs, ws, wss`);
    if (f.length < REQUIRED) return reject(`an ALB access log line with ${f.length} fields; ALB logs carry at least ${REQUIRED} (up to request_creation_time)`);
    const time = isoToMs(f[1]);
    if (time === null) return reject(`ALB time "${f[1]}" is not ISO 8601 UTC`, f[0]!.length + 1);
    const start = isoToMs(f[21]);
    const client = splitHostPort(f[3]);
    const target = splitHostPort(f[4]);
    const req = parseRequest(f[12] ?? null);
    const extra: Record<string, string> = {};
    f.forEach((v, i) => {
      const name = ALB_FIELDS[i];
      if (name !== undefined && !AS_COLUMNS.has(name) && v !== '-' && v !== '') extra[name] = v;
    });
    const traceId = dashNull(f[17]);
    const rec: LbRecord = {
      kind: 'alb',
      time: epochMs(time),
      timeText: f[1]!,
      startTime: start === null ? null : epochMs(start),
      clientAddr: client.addr, clientPort: client.port,
      targetAddr: target.addr, targetPort: target.port,
      target: dashNull(f[4]),
      localAddr: null, localPort: null,
      method: req.method, uri: req.uri, path: req.path, protocol: req.protocol,
      status: statusOf(f[8]),
      targetStatus: statusOf(f[9]),
      elapsed: start !== null && time >= start ? durationMs(time - start) : sumOfThree(f[5], f[6], f[7]),
      targetTime: secondsOrNull(f[6]),
      connectTime: null,
      termination: dashNull(f[24]),
      traceId,
      requestId: null,
      userAgent: dashNull(f[13]),
      receivedBytes: intOrNull(f[10]),
      sentBytes: intOrNull(f[11]),
      extra,
    };
    return record(rec, `alb/${f[0]}`);
  };
}

/** Without request_creation_time, the three processing times add up to the LB's share (all must be known). */
function sumOfThree(a: string | undefined, b: string | undefined, c: string | undefined) {
  const xs = [secondsOrNull(a), secondsOrNull(b), secondsOrNull(c)];
  return xs.every((x) => x !== null) ? durationMs(xs.reduce<number>((s, x) => s + x!, 0)) : null;
}
