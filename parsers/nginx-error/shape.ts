/**
 * The shapes of nginx error-log lines, from the parser's own patterns: `2024/01/02 03:04:05 [error]
 * 12#0: …` (ngx_log_error_core), the binary's stderr `nginx: [emerg] …` and its pre-0.8 form
 * `[emerg]: …`. Detection, the routing of a stream's lines (error or access parser) and the access
 * parser's "this is an error-log line" hint all test these.
 */
import type { LineShape } from '../shape.js';
import { ERROR_LINE, STDERR_PRE08_LINE } from './patterns.js';

// The parser also accepts text an init script printed before "nginx: ": as a shape (to decide a
// file's or a line's layer) only a line that starts with it counts.
const STDERR_AT_START = /^nginx: \[(?:emerg|alert|crit|error|warn|notice|info|debug)\] /;

export const NGINX_ERROR_SHAPE: LineShape = {
  name: 'nginx error',
  layer: 'nginx-error',
  ambiguous: false,
  test: (inner) => ERROR_LINE.test(inner) || STDERR_AT_START.test(inner) || STDERR_PRE08_LINE.test(inner),
};

/** An error-log line with its time: server local time without an offset, so --tz decides it. */
export const hasErrorLogTime = (inner: string): boolean => ERROR_LINE.test(inner);
