/**
 * The slow-request middleware's two lines, inside any common Python logging layout or bare:
 *   "Slow request: 25.03s GET /slow"            (logging.warning("Slow request: %.2fs %s %s", …))
 *   "Request failed after 0.12s: GET /x"         (logging.error("Request failed after %.2fs: %s %s", …))
 * `matchMiddlewareMessage` is the message-only matcher the gunicorn stream parser reuses;
 * `createAppTextLineParser` parses a whole line of the app's own text log.
 */
import { continuation, ignored, record, reject, type LineParser, type ParserOptions } from '../result.js';
import { secondsToDuration, type EpochMs } from '../../src/domain/units.js';
import { CLOCK_SOURCE, createClockReader } from './clock.js';
import { splitPythonLogLine, type PythonLayout } from './python-logging.js';
import { createContinuationTracker } from './traceback.js';
import type { AppRecordKind, AppRequestRecord } from './record.js';

export interface MiddlewarePattern {
  readonly name: string;
  readonly kind: AppRecordKind;
  /** The app's format string, as the middleware calls logging. */
  readonly format: string;
  readonly re: RegExp;
}

// `%.2f` seconds; the method is what Starlette's request.method gives (upper case); the path runs to
// the end of the line (request.url.path has no spaces: they arrive percent-encoded).
const SECONDS = String.raw`(?<seconds>\d+(?:\.\d+)?)s`;
const METHOD_PATH = String.raw`(?<method>[A-Z][A-Z_-]*) (?<path>\S+)`;

export const MIDDLEWARE_PATTERNS: readonly MiddlewarePattern[] = [
  { name: 'slow_request', kind: 'slow', format: 'Slow request: %.2fs %s %s', re: new RegExp(String.raw`^Slow request: ${SECONDS} ${METHOD_PATH}$`) },
  { name: 'request_failed', kind: 'failed', format: 'Request failed after %.2fs: %s %s', re: new RegExp(String.raw`^Request failed after ${SECONDS}: ${METHOD_PATH}$`) },
];

export interface MiddlewareMatch {
  readonly pattern: string;
  readonly kind: AppRecordKind;
  readonly seconds: number;
  readonly method: string;
  /** The logged path without its query (if an app logged one); `uri` keeps it as logged. */
  readonly path: string;
  readonly uri: string;
}

/** The message alone (after the logging layout's prefix) → a middleware match, or null. */
export function matchMiddlewareMessage(message: string): MiddlewareMatch | null {
  const c = message.charCodeAt(0);
  if (c !== 83 /* S */ && c !== 82 /* R */) return null;
  for (const p of MIDDLEWARE_PATTERNS) {
    const g = p.re.exec(message)?.groups;
    if (!g) continue;
    const uri = g['path'] ?? '';
    const q = uri.indexOf('?');
    return { pattern: p.name, kind: p.kind, seconds: Number(g['seconds']), method: g['method'] ?? '', path: q < 0 ? uri : uri.slice(0, q), uri };
  }
  return null;
}

/** A middleware message somewhere in a line of an unknown layout: tried at each word start. */
export function findMiddlewareMessage(line: string): MiddlewareMatch | null {
  return locateMiddlewareMessage(line)?.match ?? null;
}

/** As findMiddlewareMessage, with where the message starts (what precedes it is the line's prefix). */
export function locateMiddlewareMessage(line: string): { readonly match: MiddlewareMatch; readonly at: number } | null {
  for (const key of ['Slow request: ', 'Request failed after ']) {
    const at = line.lastIndexOf(key);
    if (at < 0) continue;
    if (at > 0 && !/[\s:|\]-]/.test(line[at - 1] ?? '')) continue;
    const m = matchMiddlewareMessage(line.slice(at));
    if (m) return { match: m, at };
  }
  return null;
}

const CLOCK_IN_PREFIX = new RegExp(`(?:^|[\\s\\[(|])(${CLOCK_SOURCE})(?=$|[\\s\\])|,:])`);

/**
 * The time in the prefix a middleware message came after, in a layout no table knows
 * ("web | 2024-01-02T03:04:05.120Z | WARNING | Slow request: …"): the first Python/ISO clock in it.
 */
export function findPrefixClock(prefix: string): string | null {
  return CLOCK_IN_PREFIX.exec(prefix)?.[1] ?? null;
}

export interface LoggedContext {
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: string | null;
  readonly logger: string | null;
  readonly pid: number | null;
}

export function buildMiddlewareRecord(m: MiddlewareMatch, ctx: LoggedContext): AppRequestRecord {
  return {
    kind: m.kind,
    format: 'text',
    time: ctx.time,
    timeText: ctx.timeText,
    level: ctx.level === null ? null : ctx.level.toLowerCase(),
    logger: ctx.logger,
    pid: ctx.pid,
    method: m.method,
    path: m.path,
    uri: m.uri,
    status: null,
    elapsed: secondsToDuration(m.seconds),
    requestId: null,
    client: null,
    error: null,
  };
}

/**
 * The app's own text log: middleware lines become records, tracebacks continuations, any other
 * logging line is ignored; a layout with an impossible time is rejected.
 */
export function createAppTextLineParser(opts: ParserOptions & { readonly appLayouts?: readonly PythonLayout[] }): LineParser<AppRequestRecord> {
  const appLayouts = opts.appLayouts ?? [];
  const clock = createClockReader(opts.tz);
  const tracker = createContinuationTracker();
  return (raw) => {
    // Delivery wrappers (docker, journald …) are taken off before, once per file: src/ingest/reading.ts;
    // the ingest gives a record without a time the wrapper's.
    const inner = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const split = splitPythonLogLine(inner, appLayouts);
    if (split) {
      let time: EpochMs | null = null;
      if (split.timeText !== null) {
        const t = clock.read(split.timeText);
        if (!t.ok) return reject(`${split.layout} line with an invalid time: ${t.reason}; fix the line or the app's logging datefmt`, Math.max(0, inner.indexOf(split.timeText)), 'the time');
        time = t.time;
      }
      tracker.noteRecord(split.message);
      // The message may carry a prefix of its own (a request id, a second logger name) before the middleware's text.
      const m = matchMiddlewareMessage(split.message) ?? findMiddlewareMessage(split.message);
      if (!m) return ignored(`${split.layout} logging line that is not a middleware request line`);
      return record(buildMiddlewareRecord(m, { time, timeText: split.timeText, level: split.level, logger: split.logger, pid: split.pid }), `${split.layout}/${m.pattern}`);
    }
    if (tracker.isContinuation(inner)) return continuation(inner);
    const loc = locateMiddlewareMessage(inner);
    if (loc) {
      tracker.reset();
      const clockText = findPrefixClock(inner.slice(0, loc.at));
      const t = clockText === null ? null : clock.read(clockText);
      const time = t?.ok ? t.time : null;
      return record(buildMiddlewareRecord(loc.match, { time, timeText: t?.ok ? clockText : null, level: null, logger: null, pid: null }), `bare/${loc.match.pattern}`);
    }
    tracker.reset();
    return ignored(inner.trim() === '' ? 'blank line' : 'not a logging line of a known layout and not a middleware line');
  };
}
