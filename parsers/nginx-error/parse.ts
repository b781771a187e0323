/**
 * nginx error-log lines → NginxErrorRecord. Times carry no offset: they are read in `opts.tz`.
 * Lines that do not start a record are continuations (a FastCGI stderr message spanning lines), except
 * lines that are clearly a record with its start cut off, which are rejected with the reason.
 */
import { continuation, record, reject, type LineParser, type ParseResult, type ParserOptions } from '../result.js';
import { createZoneResolver } from '../../src/domain/time.js';
import type { EpochMs } from '../../src/domain/units.js';
import { parseRequestLine } from '../nginx-access/request-line.js';
import { classifyNginxError, findErrno } from './classify.js';
import { ERROR_LINE, FRAGMENT_LINE, STDERR_LINE, STDERR_PRE08_LINE, TIME_PREFIX } from './patterns.js';
import type { NginxErrorLevel, NginxErrorRecord } from './record.js';

/** The `, client: …, server: …, request: "…", upstream: "…", host: "…", referrer: "…"` tail. */
export interface ErrorTail {
  readonly client: string | null;
  readonly server: string | null;
  readonly request: string | null;
  readonly upstream: string | null;
  readonly host: string | null;
  readonly referrer: string | null;
}

const TAIL_START = ', client: ';
// Quoted tail keys in the order ngx_http_log_error writes them.
const QUOTED_KEYS = ['request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
type QuotedKey = (typeof QUOTED_KEYS)[number];

/**
 * Split a message into its text and its tail. The tail is recognised only when it runs, in nginx's
 * order, to the very end of the message; its values are written raw by nginx (a request line may hold
 * quotes and commas), so a quoted value ends at the `"` that is followed by the next key or the end.
 */
export function splitErrorTail(message: string): { text: string; tail: ErrorTail | null } {
  let from = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    const at = message.indexOf(TAIL_START, from);
    if (at < 0) break;
    const tail = readTail(message, at + TAIL_START.length);
    if (tail !== null) return { text: message.slice(0, at), tail };
    from = at + 1;
  }
  return { text: message, tail: null };
}

function readTail(s: string, start: number): ErrorTail | null {
  const serverAt = s.indexOf(', server: ', start);
  if (serverAt < 0) return null;
  const client = s.slice(start, serverAt);
  let pos = serverAt + ', server: '.length;
  // server: up to the first quoted key (the value may be empty, "_", or "example.com").
  let serverEnd = s.length;
  for (const k of QUOTED_KEYS) {
    const i = s.indexOf(`, ${k}: "`, pos);
    if (i >= 0 && i < serverEnd) serverEnd = i;
  }
  const server = s.slice(pos, serverEnd);
  if (server.includes('"')) return null;
  pos = serverEnd;
  const values: Partial<Record<QuotedKey, string>> = {};
  for (let k = 0; k < QUOTED_KEYS.length && pos < s.length; k++) {
    const key = QUOTED_KEYS[k]!;
    const open = `, ${key}: "`;
    if (!s.startsWith(open, pos)) continue;
    const valueStart = pos + open.length;
    // The closing quote: the first `"` followed by a later key, or the last character.
    let end = -1;
    for (let j = k + 1; j < QUOTED_KEYS.length; j++) {
      const i = s.indexOf(`", ${QUOTED_KEYS[j]}: "`, valueStart);
      if (i >= 0 && (end < 0 || i < end)) end = i;
    }
    if (end < 0) {
      if (!s.endsWith('"') || s.length - 1 < valueStart) return null;
      end = s.length - 1;
    }
    values[key] = s.slice(valueStart, end);
    pos = end + 1;
  }
  if (pos !== s.length) return null;
  return {
    client,
    server,
    request: values.request ?? null,
    upstream: values.upstream ?? null,
    host: values.host ?? null,
    referrer: values.referrer ?? null,
  };
}

/** What a record's first line says before its message. */
type Head = Pick<NginxErrorRecord, 'time' | 'timeText' | 'level' | 'pid' | 'tid' | 'cid'>;

/** Build a record from its head and its full message (also used after joining continuation lines). */
export function buildErrorRecord(head: Head, message: string): NginxErrorRecord {
  const { text, tail } = splitErrorTail(message);
  const rl = parseRequestLine(tail?.request ?? null);
  return {
    time: head.time,
    timeText: head.timeText,
    level: head.level,
    pid: head.pid,
    tid: head.tid,
    cid: head.cid,
    message: text,
    kind: classifyNginxError(text),
    errno: findErrno(text),
    client: tail?.client ?? null,
    server: tail?.server ?? null,
    request: tail?.request ?? null,
    method: rl.method,
    uri: rl.uri,
    path: rl.path,
    upstream: tail?.upstream ?? null,
    host: tail?.host ?? null,
    referrer: tail?.referrer ?? null,
  };
}

/**
 * Join a multi-line record (ingest assembles continuations): the message grows by the continuation
 * texts and the tail, which nginx writes after the last line, is read again.
 */
export function completeNginxErrorRecord(rec: NginxErrorRecord, continuations: readonly string[]): NginxErrorRecord {
  if (continuations.length === 0) return rec;
  const tailText = rec.client === null ? '' : renderTail(rec);
  const message = [rec.message + tailText, ...continuations].join('\n');
  return buildErrorRecord(rec, message);
}

function renderTail(r: NginxErrorRecord): string {
  let s = `, client: ${r.client}, server: ${r.server ?? ''}`;
  if (r.request !== null) s += `, request: "${r.request}"`;
  if (r.upstream !== null) s += `, upstream: "${r.upstream}"`;
  if (r.host !== null) s += `, host: "${r.host}"`;
  if (r.referrer !== null) s += `, referrer: "${r.referrer}"`;
  return s;
}

const COMPOSE_SERVICE_PREFIX = /^[\w.-]{1,64} +\| (?=\S)/;

export function createNginxErrorParser(opts: ParserOptions): LineParser<NginxErrorRecord> {
  const zone = createZoneResolver(opts.tz);
  let lastTimeText = '';
  let lastTime: EpochMs | null = null;
  const readTime = (t: string): EpochMs | null => {
    if (t === lastTimeText) return lastTime;
    lastTimeText = t;
    const w = {
      year: +t.slice(0, 4), month: +t.slice(5, 7) - 1, day: +t.slice(8, 10),
      hour: +t.slice(11, 13), minute: +t.slice(14, 16), second: +t.slice(17, 19), ms: 0,
    };
    const valid = w.month >= 0 && w.month <= 11 && w.day >= 1 && w.day <= 31 && w.hour <= 23 && w.minute <= 59 && w.second <= 60;
    lastTime = valid ? zone.toEpochMs(w) : null;
    return lastTime;
  };

  return (line: string): ParseResult<NginxErrorRecord> => {
    let inner = line;
    if (inner.endsWith('\r')) inner = inner.slice(0, -1);
    let m = ERROR_LINE.exec(inner);
    if (m === null) {
      // docker compose may print "service   | " without the "_1" index wrapper.ts expects.
      const svc = COMPOSE_SERVICE_PREFIX.exec(inner);
      if (svc !== null) {
        inner = inner.slice(svc[0].length);
        m = ERROR_LINE.exec(inner);
      }
    }
    if (m !== null) {
      const timeText = m[1]!;
      const time = readTime(timeText);
      if (time === null) return reject(`"${timeText}" is not a valid time (expected YYYY/MM/DD HH:MM:SS)`, 0);
      const head: Head = {
        time, timeText, level: m[2] as NginxErrorLevel, pid: Number(m[3]), tid: Number(m[4]),
        cid: m[5] === undefined ? null : Number(m[5]),
      };
      return record(buildErrorRecord(head, m[6]!), 'error');
    }
    const c = inner.charCodeAt(0);
    if (c === 91 /* [ */) {
      const p = STDERR_PRE08_LINE.exec(inner);
      if (p !== null) return record(buildErrorRecord(noTimeHead(p[1]!), p[2]!), 'stderr-pre-0.8');
    }
    if (inner.includes('nginx: [')) {
      const s = STDERR_LINE.exec(inner);
      if (s !== null) return record(buildErrorRecord(noTimeHead(s[1]!), s[2]!), 'stderr');
    }
    if (TIME_PREFIX.test(inner)) {
      // The date and time matched ("YYYY/MM/DD HH:MM:SS", 19 characters), or the date alone (11).
      const timed = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/.test(inner);
      return reject(
        'starts with a date but is not an nginx error record: expected "YYYY/MM/DD HH:MM:SS [level] pid#tid: message"',
        timed ? 19 : 11,
        timed ? '" [level] pid#tid:"' : 'the time',
      );
    }
    if (FRAGMENT_LINE.test(inner)) {
      return reject(
        'a cut nginx error record: the line starts inside the "YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid" prefix ' +
          '(time missing) — was it copied from the middle of a line? droptrace cannot place it in time',
        0,
      );
    }
    return continuation(inner);
  };
}

function noTimeHead(level: string): Head {
  return { time: null, timeText: null, level: level as NginxErrorLevel, pid: null, tid: null, cid: null };
}
