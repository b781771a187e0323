/**
 * The shapes of nginx access lines without a declared format: a `[$time_local]` after at least one
 * field (combined, main, common and most custom formats keep it), a quoted request line and its
 * status without that time (a custom log_format, often led by $time_iso8601 or $msec), or a JSON
 * object with nginx's variable names (escape=json formats). gunicorn's default access_log_format prints the same
 * combined line, so the text shape is ambiguous on its own (see parsers/gunicorn/shape.ts).
 */
import type { LineShape } from '../shape.js';
import { TIME_LOCAL_SOURCE } from './variables.js';

/** `[02/Jan/2024:03:04:05 +0000]`: $time_local inside brackets. */
export const TIME_LOCAL_BRACKETS = new RegExp(String.raw`\[${TIME_LOCAL_SOURCE}\]`);

export const NGINX_ACCESS_TEXT_SHAPE: LineShape = {
  name: 'combined-shaped access',
  layer: 'nginx-access',
  ambiguous: true,
  test: (inner) => TIME_LOCAL_BRACKETS.test(inner),
};

/** A CLF time's start, `[02/Jan/2024:`, with or without HAProxy's milliseconds after it. */
const CLF_TIME_START = /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:/;
/** `"GET /a HTTP/1.1" 200`: "$request" as nginx quotes it, then $status. */
const REQUEST_THEN_STATUS = /"[A-Z]{3,10} \S+ HTTP\/\d(?:\.\d)?" [1-5]\d\d(?: |$)/;

/**
 * An access line in a log_format no preset has: "$request" followed by $status, and no CLF time. Such
 * a file is said to be nginx's, but never read with a guessed format: the user passes its log_format
 * (src/ingest/choose-reading.ts says so, with a suggestion from parsers/nginx-access/suggest-format.ts).
 * gunicorn's and the load balancers' lines also carry request lines: detection tests their shapes first.
 */
export const NGINX_ACCESS_CUSTOM_SHAPE: LineShape = {
  name: 'access in an unknown log_format',
  layer: 'nginx-access',
  ambiguous: true,
  test: (inner) => REQUEST_THEN_STATUS.test(inner) && !CLF_TIME_START.test(inner),
};

/**
 * A log_format that starts with `$time_iso8601` (`2024-01-02T03:04:05+00:00 `) or `$msec`
 * (`1704164645.123 `). It places a stream name's lines with nginx, where the file's format was
 * declared or chosen already; detection counts such a line only by NGINX_ACCESS_CUSTOM_SHAPE, as no
 * preset reads it and only a declared --log-format does (src/ingest/choose-reading.ts tries that first).
 */
export const NGINX_ACCESS_TIME_FIRST_SHAPE: LineShape = {
  name: 'time-first access',
  layer: 'nginx-access',
  ambiguous: true,
  test: (inner) => /^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} |\d{10}\.\d{3}\s)/.test(inner),
};

/** nginx variable names an escape=json log_format commonly uses as keys. */
export const ACCESS_JSON_KEYS: readonly string[] = [
  'remote_addr', 'time_local', 'time_iso8601', 'msec', 'request', 'request_time', 'upstream_status', 'body_bytes_sent', 'http_user_agent',
];

/** How many of nginx's variable names a JSON object's keys use. */
export const accessJsonScore = (keys: ReadonlySet<string>): number => ACCESS_JSON_KEYS.filter((k) => keys.has(k)).length;
