/**
 * The shapes of nginx access lines without a declared format: a `[$time_local]` after at least one
 * field (combined, main, common and most custom formats keep it), or a JSON object with nginx's
 * variable names (escape=json formats). gunicorn's default access_log_format prints the same
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

/**
 * A log_format that starts with `$time_iso8601` (`2024-01-02T03:04:05+00:00 `) or `$msec`
 * (`1704164645.123 `). It places a stream name's lines with nginx, where the file's format was
 * declared or chosen already; detection does not count it, as no preset reads such a line and only
 * a declared --log-format does (src/ingest/choose-reading.ts tries that first).
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
