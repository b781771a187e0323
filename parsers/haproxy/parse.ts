/**
 * HAProxy's HTTP log (`option httplog`) as syslog writes it to a file, and `log-format` lines that
 * keep the httplog fields and append the LB's own source address (`%bi:%bp`, for an exact join with
 * nginx's $remote_addr:$remote_port) and/or the unique id (`%ID`). The date in brackets is when the
 * request started (%tr in HAProxy ≥ 1.9, the accept date before) in HAProxy's local zone; the last
 * timer (Ta, or Tt before 1.9) runs to the end, so end = date + last timer.
 * https://docs.haproxy.org/2.6/configuration.html#8.2.3
 */
import { record, reject, ignored, type LineParser, type ParserOptions } from '../result.js';
import { epochMs, durationMs } from '../../src/domain/units.js';
import { MONTHS, createZoneResolver } from '../../src/domain/time.js';
import { unwrapLine } from '../wrapper.js';
import type { LbRecord } from '../load-balancer/record.js';
import { parseRequest, splitHostPort } from '../load-balancer/fields.js';

// One field a group; `+` marks values `option logasap` logged before the end. Each part is named for
// the reject's "stopped at".
const PARTS: readonly (readonly [string, RegExp])[] = [
  ['the client ip:port', /^(\S+):(\d+) /],
  ['the request date', /\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})\.(\d{3})\] /], // local time
  ['the frontend', /(\S+) /], // `~` suffix: TLS
  ['backend/server', /([^\s/]+)\/(\S+) /], // <NOSRV>
  ['the timers TR/Tw/Tc/Tr/Ta', /(-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/\+?(-?\d+) /], // Tq and Tt before 1.9
  ['the status', /(-?\d+) /],
  ['the bytes read', /\+?(-?\d+) /], // sent to the client
  ['the captured cookies', /(\S+) (\S+) /],
  ['the termination state', /([-A-Za-z]{4}) /],
  ['the connection counts', /(\d+)\/(\d+)\/(\d+)\/(\d+)\/\+?(\d+) /], // actconn/feconn/beconn/srv_conn/retries
  ['the queues', /(\d+)\/(\d+) /], // srv_queue/backend_queue
  ['the captured headers', /(?:\{([^}]*)\} )?(?:\{([^}]*)\} )?/], // request / response
  ['the request line', /"((?:[^"\\]|\\.)*)"/],
  ['what a log-format appends', /(.*)$/],
];
const HTTPLOG = new RegExp(PARTS.map(([, r]) => r.source).join(''));
/** The pattern cut after each field, for the reject's "matched up to" (built once). */
const PREFIXES = PARTS.map(([name], i) => [name, new RegExp(PARTS.slice(0, i + 1).map(([, r]) => r.source).join('').replace(/\$$/, ''))] as const);

/** Lines HAProxy writes about itself to the same syslog stream: understood, nothing to store per request. */
const EVENTS = /^(?:Proxy \S+ (?:started|stopped)|Stopping (?:proxy|frontend|backend)|(?:Server|backup server) \S+ is (?:DOWN|UP|going DOWN)|backend \S+ has no server available!|Health check for server|\S+:\d+ \[[^\]]+\] \S+: (?:SSL handshake failure|Connection error during SSL handshake|Timeout during SSL handshake)|Connect from |haproxy version)/;

const TIMER = (s: string): number | null => (s === '-1' ? null : Number(s));

export function createHaproxyParser(o: ParserOptions): LineParser<LbRecord> {
  const zone = createZoneResolver(o.tz);
  return (raw) => {
    const line = stripSyslog(raw.replace(/^<\d{1,3}>/, ''));
    const m = HTTPLOG.exec(line);
    if (!m) {
      if (EVENTS.test(line)) return ignored('an HAProxy event line (proxy/server state, TLS handshake), not a request');
      if (/^\S+:\d+ \[[^\]]+\] \S+ \S+\/\S+ -?\d+\/-?\d+\/\+?-?\d+ /.test(line)) {
        return reject('an HAProxy TCP log line (option tcplog): it has no HTTP request to match; use `option httplog` on the frontend');
      }
      const got = matchedUpTo(line);
      return reject('not an HAProxy httplog line: expected "ip:port [date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes … \\"request\\"" (option httplog, or a log-format that keeps those fields in that order)',
        got.pos + (raw.endsWith(line) ? raw.length - line.length : 0), got.stoppedAt); // a column of the line as read
    }
    const g = (i: number) => m[i]!;
    const month = MONTHS[g(4)];
    if (month === undefined) return reject(`HAProxy date month "${g(4)}" is not English`);
    const start = zone.toEpochMs({ year: +g(5), month, day: +g(3), hour: +g(6), minute: +g(7), second: +g(8), ms: +g(9) });
    const tq = TIMER(g(13)), tw = TIMER(g(14)), tc = TIMER(g(15)), tr = TIMER(g(16)), ta = TIMER(g(17));
    const status = Number(g(18));
    const req = parseRequest(g(32) === '<BADREQ>' ? null : g(32).replace(/\\"/g, '"'));
    const tail = splitTail(g(33));
    const extra: Record<string, string> = {
      frontend: g(10), actconn: g(23), feconn: g(24), beconn: g(25), srv_conn: g(26), retries: g(27), srv_queue: g(28), backend_queue: g(29),
    };
    if (tq !== null) extra['TR'] = String(tq);
    if (tw !== null) extra['Tw'] = String(tw);
    if (m[30] !== undefined) extra['captured_request_headers'] = m[30];
    if (m[31] !== undefined) extra['captured_response_headers'] = m[31];
    if (tail.rest !== '') extra['log_format_tail'] = tail.rest;
    const rec: LbRecord = {
      kind: 'haproxy',
      time: ta === null ? start : epochMs(start + ta),
      timeText: `${g(3)}/${g(4)}/${g(5)}:${g(6)}:${g(7)}:${g(8)}.${g(9)}`,
      startTime: start,
      clientAddr: g(1), clientPort: Number(g(2)),
      targetAddr: null, targetPort: null,
      target: `${g(11)}/${g(12)}`,
      localAddr: tail.local?.addr ?? null, localPort: tail.local?.port ?? null,
      method: req.method, uri: req.uri, path: req.path, protocol: req.protocol,
      status: status > 0 ? status : null,
      // HAProxy logs one status: the server's when it answered (Tr known), else its own.
      targetStatus: tr !== null && status > 0 ? status : null,
      elapsed: ta === null ? null : durationMs(ta),
      targetTime: tr === null ? null : durationMs(tr),
      connectTime: tc === null ? null : durationMs(tc),
      termination: g(22),
      traceId: null,
      requestId: tail.id,
      userAgent: null,
      receivedBytes: null,
      sentBytes: Number(g(19)) >= 0 ? Number(g(19)) : null,
      extra,
    };
    return record(rec, tail.local || tail.id ? 'haproxy/log_format' : 'haproxy/httplog');
  };
}

/** Syslog's prefix, as rsyslog writes it: RFC 3164 ("Feb  6 12:14:14 host haproxy[1]: ") or RFC 3339 time then "host haproxy[1]: ". */
function stripSyslog(line: string): string {
  const inner = unwrapLine(line).inner;
  const m = /^(?:\S+ )?haproxy\[\d+\]: /.exec(inner);
  return m ? inner.slice(m[0].length) : inner;
}

/** After the request: `%bi:%bp` (the LB's source toward the server) and/or `%ID`, in any order; the rest is kept. */
function splitTail(tail: string): { local: { addr: string; port: number } | null; id: string | null; rest: string } {
  let local: { addr: string; port: number } | null = null;
  let id: string | null = null;
  const rest: string[] = [];
  for (const tok of tail.trim().split(/\s+/).filter((t) => t !== '')) {
    const hp = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.test(tok) ? splitHostPort(tok) : null;
    if (hp && hp.port !== null && local === null) local = { addr: hp.addr!, port: hp.port };
    else if (id === null && /^[0-9A-Za-z][0-9A-Za-z:._-]{7,127}$/.test(tok) && tok !== '-') id = tok;
    else rest.push(tok);
  }
  return { local, id, rest: rest.join(' ') };
}

/** How far the httplog pattern got, field by field, and the field it stopped at, for the reject's "matched up to". */
function matchedUpTo(line: string): { pos: number; stoppedAt: string } {
  let pos = 0;
  for (const [name, re] of PREFIXES) {
    const m = re.exec(line);
    if (!m) return { pos, stoppedAt: name };
    pos = m[0].length;
  }
  return { pos, stoppedAt: 'the end' };
}
