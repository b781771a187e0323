/**
 * Every nginx variable droptrace understands, as data: the shape of its value in a log line, what kind
 * of value it is, and which record field it fills. compile.ts turns a `log_format` into a regex from
 * this table; a variable not listed here is captured up to the format's next literal and kept in
 * `extra` (GoAccess's get_delim idea), so an unknown variable never makes a format unusable.
 */

/** How a logged value is read. */
export type VariableKind =
  | 'string'           // free text: ends where the format's next literal begins
  | 'addr'             // one address: IPv4, IPv6, "unix:", a redaction marker such as "<CLIENT IP>"
  | 'addr-list'        // "a, b, c" ($http_x_forwarded_for, $proxy_add_x_forwarded_for)
  | 'int'              // decimal integer or "-"
  | 'status'           // HTTP status: digits or "-" (a reject names it when it is neither)
  | 'duration-seconds' // "0.123" seconds with millisecond decimals, or "-"
  | 'epoch-seconds'    // $msec: "1700000000.123"
  | 'time_local'       // "10/Oct/2023:13:55:36 +0530"
  | 'iso8601'          // "2023-10-10T13:55:36+05:30"
  | 'upstream-list'    // "a, b : c" one value per attempt (", ") and upstream group (" : ")
  | 'request-line'     // "GET /x HTTP/1.1", or whatever bytes the client sent
  | 'pipe';            // "p" or "."

/** The record field a variable fills. `upstream.*` are zipped into `attempts` by upstream.ts. */
export type VariableField =
  | 'remoteAddr' | 'remoteUser' | 'timeLocal' | 'timeIso' | 'msec' | 'request' | 'method' | 'uri'
  | 'path' | 'query' | 'protocol' | 'status' | 'bodyBytesSent' | 'bytesSent' | 'requestLength'
  | 'referer' | 'userAgent' | 'forwardedFor' | 'proxyForwardedFor' | 'host' | 'requestTime'
  | 'upstream.addr' | 'upstream.status' | 'upstream.connectTime' | 'upstream.headerTime'
  | 'upstream.responseTime' | 'requestId' | 'connection' | 'connectionRequests' | 'pipelined'
  | 'extra';

export interface VariableSpec {
  /** Regex source for the value when it is NOT free text; null = free text (ends at the next literal). */
  readonly pattern: string | null;
  readonly kind: VariableKind;
  readonly field: VariableField;
  /** Said in a reject: `expected $status (a number) ...` */
  readonly describe: string;
}

/**
 * `$time_local`, "10/Oct/2023:13:55:36 +0530": also gunicorn's %(t)s and the access-line shapes
 * (nginx-access/shape.ts, gunicorn/patterns.ts), so every reader of this time agrees on it.
 */
export const TIME_LOCAL_SOURCE = String.raw`\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}`;

const INT = '-|\\d+';
// "a, b, c" outside quotes: items hold no space, comma or quote.
const ADDR_LIST = '[^ ,"]+(?:, [^ ,"]+)*';
const SECONDS = '-|\\d+(?:\\.\\d+)?';
// One item of an upstream list: no space, no comma ("[::1]:5000", "unix:/run/a.sock", "-", "502").
// escape=json logs an unused upstream variable as "" (escape=default logs "-").
const UPSTREAM_LIST = '(?:[^ ,"]+(?:(?:, | : )[^ ,"]+)*)?';

const v = (kind: VariableKind, field: VariableField, pattern: string | null, describe: string): VariableSpec =>
  ({ kind, field, pattern, describe });

export const VARIABLES: Readonly<Record<string, VariableSpec>> = {
  // No spaces in an address; a redaction marker in <…> or […] may hold some ("<CLIENT IP>").
  remote_addr: v('addr', 'remoteAddr', '<[^<>]*>|\\[[^\\[\\]]*\\]|[^ ]+', 'a client address'),
  remote_user: v('string', 'remoteUser', null, 'a user name or "-"'),
  time_local: v('time_local', 'timeLocal', TIME_LOCAL_SOURCE, 'a time like 10/Oct/2023:13:55:36 +0000'),
  time_iso8601: v('iso8601', 'timeIso', '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})', 'a time like 2023-10-10T13:55:36+00:00'),
  msec: v('epoch-seconds', 'msec', '\\d+(?:\\.\\d+)?', 'epoch seconds like 1700000000.123'),
  request: v('request-line', 'request', null, 'the request line'),
  request_method: v('string', 'method', null, 'a request method'),
  request_uri: v('string', 'uri', null, 'a request URI'),
  uri: v('string', 'path', null, 'a URI path'),
  document_uri: v('string', 'path', null, 'a URI path'),
  args: v('string', 'query', null, 'query arguments'),
  query_string: v('string', 'query', null, 'query arguments'),
  server_protocol: v('string', 'protocol', null, 'a protocol like HTTP/1.1'),
  status: v('status', 'status', '\\d+|-', 'a number'),
  body_bytes_sent: v('int', 'bodyBytesSent', INT, 'a number'),
  bytes_sent: v('int', 'bytesSent', INT, 'a number'),
  request_length: v('int', 'requestLength', INT, 'a number'),
  http_referer: v('string', 'referer', null, 'a referrer'),
  http_user_agent: v('string', 'userAgent', null, 'a user agent'),
  http_x_forwarded_for: v('addr-list', 'forwardedFor', ADDR_LIST, 'an X-Forwarded-For list'),
  proxy_add_x_forwarded_for: v('addr-list', 'proxyForwardedFor', ADDR_LIST, 'an X-Forwarded-For list ending with the client address'),
  host: v('string', 'host', null, 'a host name'),
  http_host: v('string', 'host', null, 'a Host header'),
  request_time: v('duration-seconds', 'requestTime', SECONDS, 'seconds like 0.123'),
  upstream_addr: v('upstream-list', 'upstream.addr', UPSTREAM_LIST, 'upstream addresses like 10.0.0.1:8000, 10.0.0.2:8000'),
  upstream_status: v('upstream-list', 'upstream.status', UPSTREAM_LIST, 'upstream statuses like 502, 200'),
  upstream_connect_time: v('upstream-list', 'upstream.connectTime', UPSTREAM_LIST, 'upstream times like 0.001, 0.002'),
  upstream_header_time: v('upstream-list', 'upstream.headerTime', UPSTREAM_LIST, 'upstream times like 0.001, 0.002'),
  upstream_response_time: v('upstream-list', 'upstream.responseTime', UPSTREAM_LIST, 'upstream times like 0.001, 0.002'),
  upstream_response_length: v('upstream-list', 'extra', UPSTREAM_LIST, 'upstream lengths like 120, 0'),
  upstream_bytes_received: v('upstream-list', 'extra', UPSTREAM_LIST, 'upstream byte counts'),
  upstream_bytes_sent: v('upstream-list', 'extra', UPSTREAM_LIST, 'upstream byte counts'),
  upstream_cache_status: v('string', 'extra', null, 'a cache status'),
  request_id: v('string', 'requestId', null, 'a request id'),
  req_id: v('string', 'requestId', null, 'a request id (ingress-nginx)'),
  http_x_request_id: v('string', 'requestId', null, 'an X-Request-ID header'),
  connection: v('int', 'connection', '\\d+|-', 'a connection serial number'),
  connection_requests: v('int', 'connectionRequests', '\\d+|-', 'a number'),
  pipe: v('pipe', 'pipelined', '[p.]|-', '"p" or "."'),
  server_port: v('int', 'extra', INT, 'a port number'),
  gzip_ratio: v('string', 'extra', null, 'a ratio or "-"'),
};

export function lookupVariable(name: string): VariableSpec | undefined {
  return Object.prototype.hasOwnProperty.call(VARIABLES, name) ? VARIABLES[name] : undefined;
}
