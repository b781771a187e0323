/**
 * gunicorn's `access_log_format` as data: its atoms (gunicorn/glogging.py `atoms()`), each with the
 * shape it prints, compiled ONCE into an anchored regex for the access lines of one stream. What the
 * record can say follows from the atoms: `%(D)s` (µs), `%(M)s` (ms), `%(L)s` (s, decimals) or
 * `%(T)s` (whole s) give the request time; `%({x-request-id}i)s` the request id; `%(p)s` the pid.
 */
import type { AppRequestRecord } from '../app/record.js';
import { durationMs, microsToDuration, secondsToDuration, type DurationMs, type EpochMs } from '../../src/domain/units.js';
import { buildServerAccessRecord } from './access.js';
import { escapeRegex, freeField, isFormatProblem, tokenizePythonFormat, type FormatProblem } from '../app/python-format.js';
import { TIME_LOCAL_SOURCE } from '../nginx-access/variables.js';

/** gunicorn's default, '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'. */
export const GUNICORN_DEFAULT_ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

interface Atom {
  /** Capture group, or null when the atom is matched and not stored */
  readonly group: string | null;
  readonly re: string;
  readonly describe: string;
}

/** The atoms gunicorn documents (docs/source/settings.rst, access_log_format). */
export const ACCESS_ATOMS: Readonly<Record<string, Atom>> = {
  h: { group: 'client', re: String.raw`\S+`, describe: 'remote address' },
  l: { group: null, re: '-', describe: "'-'" },
  u: { group: null, re: String.raw`\S+`, describe: 'user name (if HTTP Basic auth used)' },
  t: { group: 'time', re: String.raw`\[${TIME_LOCAL_SOURCE}\]`, describe: 'date of the request, [%d/%b/%Y:%H:%M:%S %z]' },
  r: { group: 'request', re: String.raw`[A-Z]+ \S+ HTTP\/[\d.]+|[^"]*`, describe: 'status line (e.g. GET / HTTP/1.1)' },
  m: { group: 'method', re: '[A-Z]+', describe: 'request method' },
  U: { group: 'urlPath', re: String.raw`\S*`, describe: 'URL path without query string' },
  q: { group: 'query', re: String.raw`\S*`, describe: 'query string' },
  H: { group: null, re: String.raw`\S*`, describe: 'protocol' },
  s: { group: 'status', re: String.raw`\d{3}`, describe: 'status' },
  B: { group: null, re: String.raw`\d+|-`, describe: 'response length' },
  b: { group: null, re: String.raw`\d+|-`, describe: "response length or '-' (CLF format)" },
  f: { group: null, re: '', describe: 'referrer' },
  a: { group: null, re: '', describe: 'user agent' },
  T: { group: 'seconds', re: String.raw`\d+`, describe: 'request time in seconds' },
  M: { group: 'millis', re: String.raw`\d+`, describe: 'request time in milliseconds' },
  D: { group: 'micros', re: String.raw`\d+`, describe: 'request time in microseconds' },
  L: { group: 'decimalSeconds', re: String.raw`\d+(?:\.\d+)?`, describe: 'request time in decimal seconds' },
  p: { group: 'pid', re: String.raw`<\d+>`, describe: 'process ID, as <pid>' },
};

/** Request headers that carry a request id: `%({x-request-id}i)s` (gunicorn looks headers up case-insensitively). */
const REQUEST_ID_HEADERS = new Set(['x-request-id', 'x-correlation-id', 'request-id', 'x-amzn-trace-id']);

export interface CompiledAccessFormat {
  readonly format: string;
  readonly regex: RegExp;
  /** What the format lets a record say, for summaries: 'request time', 'request id', 'pid' */
  readonly carries: readonly string[];
}

export function compileGunicornAccessFormat(format: string): CompiledAccessFormat | FormatProblem {
  const tokens = tokenizePythonFormat(format, '%');
  if (isFormatProblem(tokens)) return tokens;
  const seen = new Set<string>();
  let re = '^';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'literal') {
      re += escapeRegex(t.text);
      continue;
    }
    const next = tokens[i + 1];
    const free = freeField(next?.type === 'literal' ? next.text : null);
    const header = /^\{([^}]+)\}([ioe])$/.exec(t.name);
    let group: string | null = null;
    let body: string;
    if (header) {
      group = header[2] === 'i' && REQUEST_ID_HEADERS.has(header[1]!.toLowerCase()) ? 'requestId' : null;
      body = free;
    } else {
      const atom = ACCESS_ATOMS[t.name];
      if (!atom) {
        return { kind: 'format-error', reason: `%(${t.name})s at character ${t.at + 1} is not a gunicorn access_log_format atom (h l u t r m U q H s B b f a T M D L p, {header}i, {header}o, {var}e)`, at: t.at };
      }
      group = atom.group;
      body = atom.re === '' ? free : atom.re;
    }
    const named = group !== null && !seen.has(group);
    if (named) seen.add(group!);
    re += named ? `(?<${group}>${body})` : `(?:${body})`;
  }
  re += '$';
  const carries = [
    ...(['micros', 'millis', 'decimalSeconds', 'seconds'].some((g) => seen.has(g)) ? ['request time'] : []),
    ...(seen.has('requestId') ? ['request id'] : []),
    ...(seen.has('pid') ? ['pid'] : []),
  ];
  if (!seen.has('status') || !(seen.has('request') || seen.has('urlPath'))) {
    return { kind: 'format-error', reason: 'an access_log_format needs %(s)s and %(r)s (or %(m)s and %(U)s) to say which request was answered and how', at: 0 };
  }
  return { format, regex: new RegExp(re), carries };
}

/** A line the compiled format matched → the app server's access record (null when it does not match). */
export function readAccessLine(f: CompiledAccessFormat, line: string, readTime: (clf: string) => EpochMs | null): AppRequestRecord | null {
  const g = f.regex.exec(line)?.groups;
  if (!g) return null;
  let method = g['method'] ?? null;
  let uri: string | null = g['urlPath'] === undefined ? null : g['urlPath'] + (g['query'] ? `?${g['query']}` : '');
  const req = g['request'] === undefined ? null : /^([A-Z]+) (\S+) HTTP\/[\d.]+$/.exec(g['request']);
  if (req) {
    method = req[1]!;
    uri = req[2]!;
  }
  const num = (k: string): number | null => (g[k] === undefined ? null : Number(g[k]));
  const micros = num('micros'), millis = num('millis'), dec = num('decimalSeconds'), secs = num('seconds');
  const elapsed: DurationMs | null = micros !== null ? microsToDuration(micros) : millis !== null ? durationMs(millis)
    : dec !== null ? secondsToDuration(dec) : secs !== null ? secondsToDuration(secs) : null;
  const timeText = g['time'] === undefined ? null : g['time'].slice(1, -1);
  const rid = g['requestId'];
  return buildServerAccessRecord({
    source: 'gunicorn_access', time: timeText === null ? null : readTime(timeText), timeText, level: null,
    pid: g['pid'] === undefined ? null : Number(g['pid'].slice(1, -1)), client: g['client'] ?? null, method, uri,
    status: num('status'), elapsed, requestId: rid === undefined || rid === '-' || rid === '' ? null : rid,
  });
}
