/**
 * Google Cloud external Application (HTTP(S)) Load Balancer request logs, as Cloud Logging exports
 * them: one LogEntry per line (a sink to Cloud Storage, or `gcloud logging read --format=json | jq -c
 * '.[]'`). The LB's verdict is `jsonPayload.statusDetails` (backend_timeout,
 * client_disconnected_before_any_response, …); `httpRequest.latency` runs from the LB receiving the
 * request to its last byte out, so the entry's `timestamp` is taken as the request's start.
 * https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring
 */
import { record, reject, ignored, type LineParser } from '../result.js';
import { epochMs, durationMs, nanosToDuration, secondsToDuration } from '../../src/domain/units.js';
import type { LbRecord } from '../load-balancer/record.js';
import { isoToMs, originForm, splitHostPort } from '../load-balancer/fields.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);

/** "0.002051s" (a protobuf Duration in JSON) → ms. */
export function durationText(v: unknown): number | null {
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
    return m ? secondsToDuration(Number(m[1])) : null;
  }
  const o = obj(v); // {seconds, nanos} when exported by some clients
  if (o) return secondsToDuration(num(o['seconds']) ?? 0) + nanosToDuration(num(o['nanos']) ?? 0);
  return null;
}

export function createGcpLbParser(): LineParser<LbRecord> {
  return (line) => {
    const t = line.trim();
    if (t === '[' || t === ']' || t === '],' ) return ignored('a JSON array bracket around exported entries');
    let v: unknown;
    try {
      v = JSON.parse(t.endsWith(',') ? t.slice(0, -1) : t);
    } catch {
      return reject('not one JSON object on the line: export GCP LB logs one entry per line (a Cloud Storage sink, or `gcloud logging read --format=json | jq -c \'.[]\'`)');
    }
    const e = obj(v);
    if (!e) return reject('a JSON value that is not an object: a Cloud Logging entry is one');
    const http = obj(e['httpRequest']);
    const payload = obj(e['jsonPayload']) ?? {};
    if (!http) return reject('a Cloud Logging entry without httpRequest: not a load balancer request log');
    const startMs = isoToMs(str(e['timestamp']));
    if (startMs === null) return reject(`timestamp ${JSON.stringify(e['timestamp'])} is not RFC 3339`);
    const latency = durationText(http['latency']);
    const url = str(http['requestUrl']);
    const uri = url ? originForm(url) : null;
    const q = uri ? uri.indexOf('?') : -1;
    const server = splitHostPort(str(http['serverIp']) ?? undefined);
    const remote = splitHostPort(str(http['remoteIp']) ?? undefined);
    const status = num(http['status']);
    const extra: Record<string, string> = {};
    for (const k of ['backendTargetProjectNumber', 'cacheDecision', 'proxyStatus', 'enforcedSecurityPolicy'] as const) {
      const x = payload[k];
      if (x !== undefined) extra[k] = typeof x === 'string' ? x : JSON.stringify(x);
    }
    const res = obj(e['resource']);
    const labels = obj(res?.['labels']);
    if (labels && str(labels['backend_service_name'])) extra['backend_service_name'] = str(labels['backend_service_name'])!;
    const rec: LbRecord = {
      kind: 'gcp',
      time: epochMs(startMs + (latency ?? 0)), timeText: str(e['timestamp']),
      startTime: epochMs(startMs),
      clientAddr: remote.addr, clientPort: remote.port,
      targetAddr: server.addr, targetPort: server.port, target: str(http['serverIp']),
      localAddr: null, localPort: null,
      method: str(http['requestMethod']), uri, path: uri ? (q < 0 ? uri : uri.slice(0, q)) : null, protocol: str(http['protocol']),
      status: status === null || status === 0 ? null : status,
      targetStatus: null,
      elapsed: latency === null ? null : durationMs(latency),
      targetTime: null, connectTime: null,
      termination: str(payload['statusDetails']),
      traceId: str(e['trace']),
      requestId: null,
      userAgent: str(http['userAgent']),
      receivedBytes: num(http['requestSize']), sentBytes: num(http['responseSize']),
      extra,
    };
    return record(rec, 'gcp/log_entry');
  };
}
