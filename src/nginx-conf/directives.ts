/**
 * The http/server/location directives the audit reads, with nginx's defaults, as data. Values
 * inherit http → server → location → nested location; a level that sets a directive replaces the
 * parent's value. `proxy_set_header`, `access_log` and `error_log` are arrays and are handled in
 * effective.ts: there, one occurrence at a level drops everything inherited (nginx's merge rule
 * for arrays, the reason a lone `proxy_set_header` in a location silently loses the others).
 */
export type DirectiveKind = 'time' | 'count' | 'text';

export interface DirectiveSpec {
  readonly name: string;
  readonly kind: DirectiveKind;
  /** nginx's default, as it would be written in nginx.conf. */
  readonly default: string;
  /** Where the default changed between versions, or what it means. */
  readonly note?: string;
  /** Highest level the directive may appear at (client-side timeouts are not valid in location for some). */
  readonly contexts: readonly ('http' | 'server' | 'location')[];
}

const HSL = ['http', 'server', 'location'] as const;
const HS = ['http', 'server'] as const;

export const HTTP_DIRECTIVES: readonly DirectiveSpec[] = [
  // client side: the connection between the client (or the LB) and nginx
  { name: 'keepalive_timeout', kind: 'time', default: '75s', contexts: HSL, note: 'how long nginx keeps an idle client connection open' },
  { name: 'keepalive_requests', kind: 'count', default: '1000', contexts: HSL, note: '100 before nginx 1.19.10' },
  { name: 'client_header_timeout', kind: 'time', default: '60s', contexts: HS },
  { name: 'client_body_timeout', kind: 'time', default: '60s', contexts: HSL },
  { name: 'send_timeout', kind: 'time', default: '60s', contexts: HSL },
  // upstream side: nginx → gunicorn/uvicorn
  { name: 'proxy_connect_timeout', kind: 'time', default: '60s', contexts: HSL },
  { name: 'proxy_send_timeout', kind: 'time', default: '60s', contexts: HSL },
  { name: 'proxy_read_timeout', kind: 'time', default: '60s', contexts: HSL },
  { name: 'proxy_http_version', kind: 'text', default: '1.0', contexts: HSL },
  { name: 'proxy_next_upstream', kind: 'text', default: 'error timeout', contexts: HSL },
  { name: 'proxy_next_upstream_tries', kind: 'count', default: '0', contexts: HSL, note: '0 = no limit' },
  { name: 'proxy_next_upstream_timeout', kind: 'time', default: '0', contexts: HSL, note: '0 = no limit' },
  { name: 'proxy_buffering', kind: 'text', default: 'on', contexts: HSL },
];

/** Directives of an `upstream { }` block: not inherited from http (the http-level keepalive_timeout is the client side). */
export const UPSTREAM_DIRECTIVES: readonly DirectiveSpec[] = [
  { name: 'keepalive', kind: 'count', default: '', contexts: [], note: 'no pool: a new connection per request' },
  { name: 'keepalive_timeout', kind: 'time', default: '60s', contexts: [], note: 'since nginx 1.15.3' },
  { name: 'keepalive_requests', kind: 'count', default: '1000', contexts: [], note: '100 before nginx 1.19.10' },
];

/** Debian's compiled-in log paths; `nginx -V` shows yours (--error-log-path, --http-log-path). */
export const DEFAULT_ERROR_LOG = '/var/log/nginx/error.log';
export const DEFAULT_ACCESS_LOG = '/var/log/nginx/access.log';

/** error_log levels, most verbose first. */
export const ERROR_LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'] as const;
export type ErrorLevel = (typeof ERROR_LEVELS)[number];
