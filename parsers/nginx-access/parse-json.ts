/**
 * Access logs written as JSON objects (a `log_format … escape=json '{"…":"$…"}'`) parsed WITHOUT the
 * user's format: keys are mapped by nginx variable name and by the renames people commonly use
 * (time, timestamp, method, uri, duration …). Values may be strings or unquoted numbers; "-" and ""
 * mean null for typed fields.
 */
import { record, reject, type LineParser, type ParseResult, type ParserOptions } from '../result.js';
import { unwrapLine } from '../wrapper.js';
import { epochMs, secondsToDuration, epochSecondsToEpochMs, type DurationMs, type EpochMs } from '../../src/domain/units.js';
import { mergeRequestParts, parseRequestLine } from './request-line.js';
import { zipUpstreams, type UpstreamTexts } from './upstream.js';
import { readClfTime, readIsoTime } from '../../src/domain/time.js';
import type { NginxAccessRecord } from './record.js';

type JsonField =
  | 'timeLocal' | 'timeIso' | 'msec' | 'timeAny' | 'remoteAddr' | 'remoteUser' | 'request' | 'method'
  | 'uri' | 'path' | 'query' | 'protocol' | 'status' | 'bodyBytesSent' | 'bytesSent' | 'requestLength'
  | 'referer' | 'userAgent' | 'forwardedFor' | 'host' | 'requestTime' | 'requestId' | 'connection'
  | 'connectionRequests' | 'pipe' | 'upAddr' | 'upStatus' | 'upConnect' | 'upHeader' | 'upResponse';

/**
 * Key (lower-cased, "-" and "." read as "_") → field. nginx variable names first, then renames seen in
 * public configs. First key present wins when two map to one field.
 */
export const JSON_KEYS: Readonly<Record<string, JsonField>> = {
  time_local: 'timeLocal', time_iso8601: 'timeIso', msec: 'msec',
  time: 'timeAny', timestamp: 'timeAny', '@timestamp': 'timeAny', ts: 'timeAny', datetime: 'timeAny', date: 'timeAny',
  remote_addr: 'remoteAddr', remote_ip: 'remoteAddr', client_ip: 'remoteAddr', clientip: 'remoteAddr', client: 'remoteAddr', ip: 'remoteAddr',
  remote_user: 'remoteUser', user: 'remoteUser',
  request: 'request', request_line: 'request',
  request_method: 'method', method: 'method', verb: 'method',
  request_uri: 'uri', url: 'uri',
  uri: 'path', path: 'path', document_uri: 'path',
  args: 'query', query_string: 'query', query: 'query',
  server_protocol: 'protocol', protocol: 'protocol',
  status: 'status', status_code: 'status', response_status: 'status', response_code: 'status',
  body_bytes_sent: 'bodyBytesSent', size: 'bodyBytesSent', bytes: 'bodyBytesSent',
  bytes_sent: 'bytesSent',
  request_length: 'requestLength',
  http_referer: 'referer', referer: 'referer', referrer: 'referer', http_referrer: 'referer',
  http_user_agent: 'userAgent', user_agent: 'userAgent', agent: 'userAgent', useragent: 'userAgent',
  http_x_forwarded_for: 'forwardedFor', x_forwarded_for: 'forwardedFor', xff: 'forwardedFor', forwarded_for: 'forwardedFor',
  host: 'host', http_host: 'host', server_name: 'host', vhost: 'host',
  request_time: 'requestTime', responsetime: 'requestTime', response_time: 'requestTime', duration: 'requestTime',
  request_duration: 'requestTime', elapsed: 'requestTime',
  request_id: 'requestId', req_id: 'requestId', http_x_request_id: 'requestId', x_request_id: 'requestId', requestid: 'requestId',
  connection: 'connection', connection_requests: 'connectionRequests', pipe: 'pipe',
  upstream_addr: 'upAddr', upstreamhost: 'upAddr', upstream_host: 'upAddr', upstream: 'upAddr',
  upstream_status: 'upStatus',
  upstream_connect_time: 'upConnect',
  upstream_header_time: 'upHeader',
  upstream_response_time: 'upResponse', upstreamtime: 'upResponse', upstream_time: 'upResponse',
};

const normaliseKey = (k: string): string => k.toLowerCase().replace(/[-.]/g, '_');

export function createNginxJsonAccessParser(_opts: ParserOptions): LineParser<NginxAccessRecord> {
  return (line: string): ParseResult<NginxAccessRecord> => {
    const inner = unwrapLine(line).inner.trim();
    if (!inner.startsWith('{')) {
      return reject('not a JSON object: a JSON access-log line starts with "{" (use a text log_format for this file)', 0);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(inner);
    } catch (e) {
      const at = /position (\d+)/.exec(String(e))?.[1];
      return reject(
        `invalid JSON${at ? ` at column ${Number(at) + 1}` : ''}: ${(e as Error).message} — was the log_format written without escape=json?`,
        at ? Number(at) : 0,
      );
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return reject('the JSON value is not an object', 0);
    return mapJsonAccess(obj as Record<string, unknown>);
  };
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v === '-' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function int(v: unknown): number | null {
  const t = text(v);
  if (t === null || t === '') return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function seconds(v: unknown): DurationMs | null {
  const t = text(v);
  if (t === null || t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? secondsToDuration(n) : null;
}

/** A `time`/`timestamp` value of unknown shape: ISO, $time_local, or epoch seconds/milliseconds. */
function anyTime(t: string): EpochMs | null {
  if (/^\d{9,11}(?:\.\d+)?$/.test(t)) return epochSecondsToEpochMs(Number(t));
  if (/^\d{12,14}$/.test(t)) return epochMs(Number(t));
  return readIsoTime(t) ?? readClfTime(t);
}

export function mapJsonAccess(obj: Record<string, unknown>): ParseResult<NginxAccessRecord> {
  const f: Partial<Record<JsonField, unknown>> = {};
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    const field = JSON_KEYS[normaliseKey(k)];
    if (field === undefined) {
      const t = text(v);
      if (t !== null) extra[k] = t;
    } else if (f[field] === undefined || text(f[field]) === null) {
      f[field] = v;
    }
  }
  let time: EpochMs | null = null;
  let timeText: string | null = null;
  const candidates: [JsonField, (t: string) => EpochMs | null][] = [
    ['msec', (t) => (/^\d+(?:\.\d+)?$/.test(t) ? epochSecondsToEpochMs(Number(t)) : null)],
    ['timeIso', readIsoTime],
    ['timeLocal', readClfTime],
    ['timeAny', anyTime],
  ];
  for (const [key, read] of candidates) {
    const t = text(f[key]);
    if (t === null || t === '') continue;
    time = read(t);
    timeText = t;
    if (time === null) return reject(`the time ${JSON.stringify(t)} is not a time droptrace can read (ISO 8601, $time_local or epoch seconds)`, 0);
    break;
  }
  const request = text(f.request);
  // "uri" is $uri (no query) by nginx's naming, but JSON formats often put $request_uri under it.
  if (f.uri === undefined && typeof f.path === 'string' && f.path.includes('?')) {
    f.uri = f.path;
    delete f.path;
  }
  const rl = parseRequestLine(request);
  const { method, uri, path, query, protocol } = mergeRequestParts(
    { method: text(f.method), uri: text(f.uri), path: text(f.path), query: text(f.query), protocol: text(f.protocol) }, request, rl);
  const statusText = text(f.status);
  const status = int(f.status);
  if (statusText !== null && statusText !== '' && status === null) {
    return reject(`expected status (a number), found ${JSON.stringify(statusText)}`, 0);
  }
  const upFields = [f.upAddr, f.upStatus, f.upConnect, f.upHeader, f.upResponse];
  const up: UpstreamTexts | null = upFields.every((x) => x === undefined)
    ? null
    : {
        addr: upText(f.upAddr), status: upText(f.upStatus), connectTime: upText(f.upConnect),
        headerTime: upText(f.upHeader), responseTime: upText(f.upResponse),
      };
  const pipe = text(f.pipe);
  const rec: NginxAccessRecord = {
    time, timeText, remoteAddr: text(f.remoteAddr), remoteUser: text(f.remoteUser), request, method, uri, path, query,
    protocol, requestJunk: request !== null ? rl.junk : method === null && uri === null && path === null,
    status, bodyBytesSent: int(f.bodyBytesSent), bytesSent: int(f.bytesSent), requestLength: int(f.requestLength),
    referer: text(f.referer), userAgent: text(f.userAgent), forwardedFor: text(f.forwardedFor), host: text(f.host),
    requestTime: seconds(f.requestTime), attempts: up === null ? null : zipUpstreams(up), requestId: text(f.requestId),
    connection: int(f.connection), connectionRequests: int(f.connectionRequests),
    pipelined: pipe === null ? null : pipe === 'p', extra,
  };
  return record(rec, 'json');
}

/** Upstream lists in JSON: a missing key is "not logged", an empty or "-" value is "logged, none". */
function upText(v: unknown): string | null {
  if (v === undefined) return null;
  const t = text(v);
  return t === null || t === '' ? '-' : t;
}
