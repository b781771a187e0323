/**
 * The nginx error-log layouts, written in pieces with one comment per field (VRL's log_util.rs
 * style). Each pattern has a name stored with the row and at least one example in examples.json.
 */

const LEVEL = '(debug|info|notice|warn|error|crit|alert|emerg)';

/** `2024/01/02 03:04:05 [error] 123#45: *678 message…` — what ngx_log_error_core writes. */
export const ERROR_LINE = new RegExp(
  [
    '^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2})', // 1 time: server local time, no offset
    ` \\[${LEVEL}\\]`, //                              2 level
    ' (\\d+)#(\\d+):', //                             3 pid, 4 tid ("#0" when nginx has no threads)
    '(?: \\*(\\d+))?', //                             5 connection id, absent for process-level messages
    ' ?(.*)$', //                                     6 message, with the client/server/request tail
  ].join(''),
  's',
);

/** `nginx: [emerg] msg` — what the nginx binary prints on stderr (start-up, `nginx -t`); no time, no pid. */
export const STDERR_LINE = new RegExp(
  [
    '^(?:.*?\\s)??', //   text an init script printed before it ("Restarting nginx: ")
    'nginx: ', //         the program name
    `\\[${LEVEL}\\] `, // 1 level
    '(.*)$', //           2 message
  ].join(''),
  's',
);

/** `[emerg]: msg` — stderr of nginx before 0.8: a colon after the level, no program name. */
export const STDERR_PRE08_LINE = new RegExp(
  [
    `^\\[${LEVEL}\\]: `, // 1 level
    '(.*)$', //            2 message
  ].join(''),
  's',
);

/**
 * A record whose start was cut off (a pasted fragment): the line begins inside the prefix — with the
 * level, the `pid#tid:` or the `*cid` — instead of with the time. Never a continuation.
 */
export const FRAGMENT_LINE = new RegExp(
  [
    '^(?:',
    `\\[?[a-z]*\\]? ?\\d+#\\d+: `, // "[error] 12#12: …", "error] 12#0: …", "12#0: …"
    '|\\*\\d+ \\S', //                "*71 connect() failed …"
    '|\\d{2}:\\d{2}:\\d{2} \\[[a-z]+\\] ', // "03:04:05 [error] …" (date cut off)
    ')',
  ].join(''),
);

/** The start of the time prefix, to tell a broken record start from a continuation line. */
export const TIME_PREFIX = /^\d{4}\/\d{2}\/\d{2} /;

/** The patterns as a table: name → regex (examples.test.ts checks each has an example). */
export const ERROR_PATTERNS = {
  error: ERROR_LINE,
  stderr: STDERR_LINE,
  'stderr-pre-0.8': STDERR_PRE08_LINE,
} as const;

export type ErrorPatternName = keyof typeof ERROR_PATTERNS;
