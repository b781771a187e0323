/**
 * gunicorn's stderr as the mixed stream it is: gunicorn's own lines (three layouts across versions),
 * uvicorn's lines and access lines, the application's logging lines (the slow-request middleware's
 * become app request records, as do uvicorn's and gunicorn's access lines: evidence that the app
 * answered), structlog JSON, gunicorn's CLF access log, tracebacks and faulthandler
 * dumps (continuations), and whatever else a process prints (kept as app 'log' records, level null).
 * Only a line that starts like gunicorn's layout and then breaks it is rejected.
 */
import { continuation, ignored, record, reject, type LineParser, type ParseResult, type ParserOptions } from '../result.js';
import { readClfTime } from '../../src/domain/time.js';
import type { EpochMs } from '../../src/domain/units.js';
import { createClockReader, type ClockReader } from '../app/clock.js';
import { readTime, createAppNdjsonLineParser } from '../app/ndjson.js';
import { splitPythonLogLine, type PythonLayout } from '../app/python-logging.js';
import { readAccessLine, type CompiledAccessFormat } from './access-format.js';
import { buildMiddlewareRecord, findMiddlewareMessage, findPrefixClock, locateMiddlewareMessage, matchMiddlewareMessage } from '../app/text.js';
import { createContinuationTracker } from '../app/traceback.js';
import { GUNICORN_ACCESS, GUNICORN_PREFIX, LAYOUTS, MESSAGES, SIGNALS, type MessagePattern } from './patterns.js';
import type { GunicornStreamRecord, LogLevel, ServerLogRecord, ServerLogSource } from './record.js';
import type { AppRequestRecord } from '../app/record.js';
import { buildServerAccessRecord } from './access.js';
import { parseJsonObject } from '../json-object.js';

type Result = ParseResult<GunicornStreamRecord>;

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace', debug: 'debug', info: 'info', success: 'info', warning: 'warning', warn: 'warning',
  error: 'error', exception: 'error', critical: 'critical', fatal: 'critical',
};
export const toLogLevel = (text: string | null | undefined): LogLevel | null =>
  text === null || text === undefined ? null : LEVELS[text.toLowerCase()] ?? null;

/** A message → the first message pattern it matches, with its captures. */
export function classifyMessage(message: string): { pattern: MessagePattern; groups: Record<string, string | undefined> } | null {
  for (const p of MESSAGES) {
    const m = p.re.exec(message);
    if (m) return { pattern: p, groups: m.groups ?? {} };
  }
  return null;
}

/** Every message pattern that matches (the examples test proves the table exclusive with it). */
export function matchingMessagePatterns(message: string): string[] {
  return MESSAGES.filter((p) => p.re.test(message)).map((p) => p.name);
}

/** Every layout that matches a line (unwrapped). */
export function matchingLayouts(inner: string): string[] {
  return LAYOUTS.filter((l) => l.re.test(inner)).map((l) => l.name);
}

interface Framing {
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: LogLevel | null;
  readonly pid: number | null;
}

const int = (s: string | undefined): number | null => (s === undefined ? null : Number(s));

function serverRecord(message: string, f: Framing, defaultSource: ServerLogSource): { row: ServerLogRecord; pattern: string } {
  const c = classifyMessage(message);
  const g = c?.groups ?? {};
  let signal = int(g['signal']);
  const signalName = g['signalName'];
  if (signal === null && signalName !== undefined) signal = SIGNALS[signalName.toLowerCase().replace(/^sig/, '')] ?? null;
  const access = c?.pattern.event === 'access';
  const client = g['client'] ?? (g['tupleHost'] !== undefined ? `${g['tupleHost']}:${g['tuplePort'] ?? ''}` : null);
  const row: ServerLogRecord = {
    source: c ? c.pattern.source : defaultSource,
    event: c ? c.pattern.event : 'log',
    time: f.time,
    timeText: f.timeText,
    level: f.level,
    pid: f.pid,
    workerPid: int(g['workerPid']),
    signal,
    exitCode: int(g['exitCode']),
    message,
    client: access ? client : null,
    method: g['method'] ?? null,
    uri: g['uri'] ?? null,
    status: int(g['status']),
  };
  return { row, pattern: c ? c.pattern.name : 'log' };
}

/** A server record of an access message → the app request record it is evidence for. */
function accessOf(row: ServerLogRecord): AppRequestRecord {
  return buildServerAccessRecord({
    source: row.source === 'gunicorn_access' ? 'gunicorn_access' : 'uvicorn_access', time: row.time, timeText: row.timeText, level: row.level,
    pid: row.pid, client: row.client, method: row.method, uri: row.uri, status: row.status,
  });
}

function sourceOfLogger(logger: string | null): ServerLogSource {
  if (logger === null) return 'app';
  if (logger === 'gunicorn' || logger.startsWith('gunicorn.')) return logger === 'gunicorn.access' ? 'gunicorn_access' : 'gunicorn';
  if (logger === 'uvicorn.access') return 'uvicorn_access';
  if (logger === 'uvicorn' || logger.startsWith('uvicorn.')) return 'uvicorn';
  return 'app';
}

export interface GunicornParserOptions extends ParserOptions {
  /** The app's own logging formats (--app-log-format, gunicorn's logconfig), tried before the built-in layouts */
  readonly appLayouts?: readonly PythonLayout[];
  /** gunicorn's access_log_format, when it is not the default */
  readonly accessFormat?: CompiledAccessFormat | null;
}

export function createGunicornParser(opts: GunicornParserOptions): LineParser<GunicornStreamRecord> {
  const appLayouts = opts.appLayouts ?? [];
  const accessFormat = opts.accessFormat ?? null;
  const clock: ClockReader = createClockReader(opts.tz);
  const tracker = createContinuationTracker();
  const ndjson = createAppNdjsonLineParser(opts);

  /** A framed line (time/level/pid known) → an app request record or a server record. */
  const emit = (layout: string, message: string, f: Framing, defaultSource: ServerLogSource, logger: string | null): Result => {
    tracker.noteRecord(message);
    // The message may carry a prefix of its own (a request id, a second logger name) before the middleware's text.
    const mw = matchMiddlewareMessage(message) ?? findMiddlewareMessage(message);
    if (mw) {
      return record({ table: 'app', row: buildMiddlewareRecord(mw, { ...f, logger }) }, `${layout}/${mw.pattern}`);
    }
    const { row, pattern } = serverRecord(message, f, defaultSource);
    if (row.event === 'access') return record({ table: 'app', row: accessOf(row) }, `${layout}/${pattern}`);
    return record({ table: 'server', row }, `${layout}/${pattern}`);
  };

  const readClock = (layout: string, text: string): EpochMs | string => {
    const t = clock.read(text);
    return t.ok ? t.time : `${layout} line with an invalid time: ${t.reason}; the line is damaged (or its datefmt is not gunicorn's)`;
  };

  return (raw) => {
    // Delivery wrappers (docker, journald …) are taken off before, once per file: src/ingest/reading.ts;
    // the ingest gives a record without a time the wrapper's.
    const inner = raw.endsWith('\r') ? raw.slice(0, -1) : raw;

    // 0. gunicorn's access lines in the declared access_log_format.
    if (accessFormat !== null) {
      const a = readAccessLine(accessFormat, inner, readClfTime);
      if (a) {
        tracker.reset();
        return record({ table: 'app', row: a }, 'access_log_format');
      }
    }

    // 1. gunicorn's and uvicorn's own layouts.
    for (const l of LAYOUTS) {
      const m = l.re.exec(inner);
      if (!m) continue;
      const g = m.groups ?? {};
      const timeText = g['time'] ?? null;
      let time: EpochMs | null = null;
      if (timeText !== null) {
        const t = readClock(l.name, timeText);
        if (typeof t === 'string') return reject(t, Math.max(0, inner.indexOf(timeText)), 'the time');
        time = t;
      }
      return emit(l.name, g['msg'] ?? '', { time, timeText, level: toLogLevel(g['level']), pid: int(g['pid']) }, l.source, null);
    }
    // 2. Python logging layouts (the app's lines, or gunicorn/uvicorn through a custom logconfig).
    const py = splitPythonLogLine(inner, appLayouts);
    if (py) {
      let time: EpochMs | null = null;
      if (py.timeText !== null) {
        const t = readClock(py.layout, py.timeText);
        if (typeof t === 'string') return reject(t, Math.max(0, inner.indexOf(py.timeText)), 'the time');
        time = t;
      }
      return emit(py.layout, py.message, { time, timeText: py.timeText, level: toLogLevel(py.level), pid: py.pid }, sourceOfLogger(py.logger), py.logger);
    }

    // A line that starts like gunicorn's layout and then breaks it is damaged, not an app print.
    if (GUNICORN_PREFIX.test(inner)) {
      const end = inner.indexOf(']');
      return reject(
        'starts like a gunicorn line "[YYYY-MM-DD HH:MM:SS +ZZZZ] [pid] [LEVEL] message" but does not follow it after the time; ' +
          'check that the file is gunicorn stderr with the default logconfig', end < 0 ? 20 : end + 1, '[pid] [LEVEL]');
    }

    // 3. structlog JSON ({"event": "...", "level": "info", "logger": "gunicorn.error", "timestamp": 1698…}),
    //    or an app's NDJSON request line written to stderr.
    if (inner.charCodeAt(0) === 123 /* { */) {
      const j = structlog(inner);
      if (j) {
        let time: EpochMs | null = null;
        let timeText: string | null = null;
        if (j.time !== undefined) {
          const t = readTime(j.time, clock);
          if (typeof t !== 'string') {
            time = t.time;
            timeText = t.text;
          }
        }
        const logger = typeof j.logger === 'string' ? j.logger : null;
        return emit('structlog', j.message, { time, timeText, level: toLogLevel(typeof j.level === 'string' ? j.level : null), pid: typeof j.pid === 'number' ? j.pid : null }, sourceOfLogger(logger), logger);
      }
      const n = ndjson(inner);
      if (n.kind === 'record') {
        tracker.reset();
        return record({ table: 'app', row: n.record }, 'ndjson');
      }
    }

    // 4. gunicorn's own access log (--access-logfile -) in the same stream.
    const a = GUNICORN_ACCESS.exec(inner);
    if (a?.groups) {
      const g = a.groups;
      tracker.reset();
      const row = buildServerAccessRecord({
        source: 'gunicorn_access', time: readClfTime(g['time'] ?? '') ?? null, timeText: g['time'] ?? null,
        level: null, pid: null, client: g['client'] ?? null, method: g['method'] ?? null, uri: g['uri'] ?? null, status: int(g['status']),
      });
      return record({ table: 'app', row }, 'gunicorn_access');
    }

    // 5. A uvicorn access message without any layout (gunicorn's access log with UvicornWorker).
    const bare = classifyMessage(inner);
    if (bare?.pattern.event === 'access') {
      tracker.reset();
      const { row, pattern } = serverRecord(inner, { time: null, timeText: null, level: null, pid: null }, 'uvicorn_access');
      return record({ table: 'app', row: accessOf(row) }, `bare/${pattern}`);
    }

    // 6. Tracebacks, faulthandler dumps, indented tails of the record above.
    if (tracker.isContinuation(inner)) return continuation(inner);
    if (inner.trim() === '') return ignored('blank line');

    // 7. A middleware line in a layout we do not know: still an app request record.
    tracker.reset();
    const loc = locateMiddlewareMessage(inner);
    if (loc) {
      // Any prefix: the record keeps the first clock it carries (else the wrapper's time).
      const clockText = findPrefixClock(inner.slice(0, loc.at));
      const t = clockText === null ? null : clock.read(clockText);
      const time = t?.ok ? t.time : null;
      return record({ table: 'app', row: buildMiddlewareRecord(loc.match, { time, timeText: t?.ok ? clockText : null, level: null, logger: null, pid: null }) }, `bare/${loc.match.pattern}`);
    }

    // 8. Anything else a process printed: kept, as the app's, so a finding can still cite it.
    const row: ServerLogRecord = {
      source: 'app', event: 'log', time: null, timeText: null, level: null, pid: null, workerPid: null,
      signal: null, exitCode: null, message: inner, client: null, method: null, uri: null, status: null,
    };
    return record({ table: 'server', row }, 'unknown');
  };
}

interface StructlogLine {
  readonly message: string;
  readonly time: unknown;
  readonly level: unknown;
  readonly logger: unknown;
  readonly pid: unknown;
}

function structlog(text: string): StructlogLine | null {
  const r = parseJsonObject(text);
  if (r === null) return null;
  const message = [r['event'], r['message'], r['msg']].find((v): v is string => typeof v === 'string');
  if (message === undefined || typeof r['method'] === 'string') return null;
  return { message, time: r['timestamp'] ?? r['time'] ?? r['ts'], level: r['level'] ?? r['levelname'], logger: r['logger'] ?? r['name'], pid: r['pid'] ?? r['process'] };
}
