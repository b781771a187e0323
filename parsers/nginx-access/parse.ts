/**
 * nginx access lines → NginxAccessRecord. The format is compiled once per file (compile.ts); each line
 * is one regex exec plus a field mapper. A line that does not match is explained by walking the
 * format piece by piece: the reject names the `$variable` that failed and the column where it did.
 */
import { record, reject, type LineParser, type ParseResult, type ParserOptions } from '../result.js';
import { secondsToDuration, type DurationMs, type EpochMs } from '../../src/domain/units.js';
import { compileLogFormat, isFormatError, type CompiledFormat, type CompiledGroup, type EscapeMode } from './compile.js';
import { PRESETS, PRESET_NAMES, isPresetName, type PresetName } from './presets.js';
import { mergeRequestParts, parseRequestLine } from './request-line.js';
import { zipUpstreams, type UpstreamTexts } from './upstream.js';
import { createIsoReader, createTimeLocalReader, readMsec } from './time.js';
import type { NginxAccessRecord } from './record.js';
import { NGINX_ERROR_SHAPE } from '../nginx-error/shape.js';

export { createNginxJsonAccessParser } from './parse-json.js';

export interface NginxAccessParserOptions extends ParserOptions {
  /** A preset name (combined, main, common, upstreaminfo, upstream_time) or a log_format string. */
  readonly format?: string;
  readonly escape?: EscapeMode;
  /** An already compiled format (wins over `format`). */
  readonly compiled?: CompiledFormat;
}

/** Thrown by the factory (not per line) when the format itself is unusable: a usage error. */
export class LogFormatError extends Error {
  readonly code = 'log-format';
  constructor(readonly format: string, readonly at: number, reason: string) {
    super(`log_format ${JSON.stringify(format)}: ${reason}`);
  }
}

const compiledPresets = new Map<string, CompiledFormat>();

/** Compile a preset name or a format string, throwing LogFormatError on a bad format. */
export function resolveFormat(format: string, escape: EscapeMode = 'default'): CompiledFormat {
  const key = `${escape}\u0000${format}`;
  const cached = compiledPresets.get(key);
  if (cached) return cached;
  const text = isPresetName(format) ? PRESETS[format] : format;
  const c = compileLogFormat(text, { escape });
  if (isFormatError(c)) throw new LogFormatError(text, c.at, c.reason);
  if (isPresetName(format) || compiledPresets.size < 64) compiledPresets.set(key, c);
  return c;
}

export function createNginxAccessParser(opts: NginxAccessParserOptions): LineParser<NginxAccessRecord> {
  const compiled = opts.compiled ?? resolveFormat(opts.format ?? 'combined', opts.escape ?? 'default');
  const patternName = patternNameOf(compiled);
  const build = createRecordBuilder(compiled);
  const regex = compiled.regex;
  return (line: string): ParseResult<NginxAccessRecord> => {
    const inner = stripCr(line);
    const m = regex.exec(inner);
    if (m === null) return explainMismatch(compiled, inner);
    return build(m, inner);
  };

  function createRecordBuilder(c: CompiledFormat) {
    const groups = c.groups;
    const n = groups.length;
    const readLocal = createTimeLocalReader();
    const readIso = createIsoReader();
    const decode = decoderFor(c.escape);
    return (m: RegExpExecArray, inner: string): ParseResult<NginxAccessRecord> => {
      let timeLocal: string | null = null;
      let timeIso: string | null = null;
      let msec: string | null = null;
      let remoteAddr: string | null = null;
      let remoteUser: string | null = null;
      let request: string | null = null;
      let method: string | null = null;
      let uri: string | null = null;
      let path: string | null = null;
      let query: string | null = null;
      let protocol: string | null = null;
      let status: number | null = null;
      let bodyBytesSent: number | null = null;
      let bytesSent: number | null = null;
      let requestLength: number | null = null;
      let referer: string | null = null;
      let userAgent: string | null = null;
      let forwardedFor: string | null = null;
      let proxyForwardedFor: string | null = null;
      let host: string | null = null;
      let requestTime: DurationMs | null = null;
      let requestId: string | null = null;
      let connection: number | null = null;
      let connectionRequests: number | null = null;
      let pipelined: boolean | null = null;
      let up: UpstreamTexts | null = null;
      let extra: Record<string, string> | null = null;
      for (let i = 0; i < n; i++) {
        const raw = m[i + 1]!;
        if (raw === '-') continue;
        const g = groups[i]!;
        switch (g.field) {
          case 'remoteAddr': remoteAddr ??= decode(raw); break;
          case 'remoteUser': remoteUser ??= decode(raw); break;
          case 'timeLocal': timeLocal ??= raw; break;
          case 'timeIso': timeIso ??= raw; break;
          case 'msec': msec ??= raw; break;
          case 'request': request ??= decode(raw); break;
          case 'method': method ??= decode(raw); break;
          case 'uri': uri ??= decode(raw); break;
          case 'path': path ??= decode(raw); break;
          case 'query': query ??= decode(raw); break;
          case 'protocol': protocol ??= decode(raw); break;
          case 'status': {
            const s = toInt(raw);
            if (s === null) return badValue(c, g, m, inner, i);
            status ??= s;
            break;
          }
          case 'bodyBytesSent': bodyBytesSent ??= toInt(raw); break;
          case 'bytesSent': bytesSent ??= toInt(raw); break;
          case 'requestLength': requestLength ??= toInt(raw); break;
          case 'referer': referer ??= decode(raw); break;
          case 'userAgent': userAgent ??= decode(raw); break;
          case 'forwardedFor': forwardedFor ??= decode(raw); break;
          case 'proxyForwardedFor': proxyForwardedFor ??= decode(raw); break;
          case 'host': host ??= decode(raw); break;
          case 'requestTime': requestTime ??= toDuration(raw); break;
          case 'requestId': requestId ??= decode(raw); break;
          case 'connection': connection ??= toInt(raw); break;
          case 'connectionRequests': connectionRequests ??= toInt(raw); break;
          case 'pipelined': pipelined ??= raw === 'p'; break;
          case 'upstream.addr': (up ??= emptyUpstream()).addr ??= raw; break;
          case 'upstream.status': (up ??= emptyUpstream()).status ??= raw; break;
          case 'upstream.connectTime': (up ??= emptyUpstream()).connectTime ??= raw; break;
          case 'upstream.headerTime': (up ??= emptyUpstream()).headerTime ??= raw; break;
          case 'upstream.responseTime': (up ??= emptyUpstream()).responseTime ??= raw; break;
          default: (extra ??= {})[g.name] = decode(raw);
        }
      }
      if (up === null && hasUpstreamGroup(groups)) up = dashUpstream();
      // $proxy_add_x_forwarded_for is "$http_x_forwarded_for, $remote_addr": split it back.
      if (proxyForwardedFor !== null) {
        const cut = proxyForwardedFor.lastIndexOf(', ');
        remoteAddr ??= cut < 0 ? proxyForwardedFor : proxyForwardedFor.slice(cut + 2);
        forwardedFor ??= cut < 0 ? null : proxyForwardedFor.slice(0, cut);
      }
      // $msec is the most precise, then $time_iso8601, then $time_local.
      let time: EpochMs | null = null;
      let timeText: string | null = null;
      if (msec !== null) {
        time = readMsec(msec);
        timeText = msec;
      } else if (timeIso !== null) {
        time = readIso(timeIso);
        timeText = timeIso;
      } else if (timeLocal !== null) {
        time = readLocal(timeLocal);
        timeText = timeLocal;
      }
      if (timeText !== null && time === null) {
        const name = msec !== null ? 'msec' : timeIso !== null ? 'time_iso8601' : 'time_local';
        const at = inner.indexOf(timeText);
        return reject(`$${name} "${timeText}" is not a valid time (at column ${at + 1})`, Math.max(at, 0));
      }
      const rl = parseRequestLine(request);
      const junk = request !== null ? rl.junk : method === null && uri === null && path === null;
      ({ method, uri, path, query, protocol } = mergeRequestParts({ method, uri, path, query, protocol }, request, rl));
      const rec: NginxAccessRecord = {
        time, timeText, remoteAddr, remoteUser, request, method, uri, path, query, protocol,
        requestJunk: junk, status, bodyBytesSent, bytesSent, requestLength, referer, userAgent,
        forwardedFor, host, requestTime, attempts: up === null ? null : zipUpstreams(up),
        requestId, connection, connectionRequests, pipelined, extra: extra ?? EMPTY_EXTRA,
      };
      return record(rec, patternName);
    };
  }
}

const EMPTY_EXTRA: Readonly<Record<string, string>> = Object.freeze({});

const emptyUpstream = (): UpstreamTexts => ({ addr: null, status: null, connectTime: null, headerTime: null, responseTime: null });
/** Every upstream variable logged "-": no upstream was used. */
const dashUpstream = (): UpstreamTexts => ({ addr: '-', status: '-', connectTime: '-', headerTime: '-', responseTime: '-' });

function hasUpstreamGroup(groups: readonly CompiledGroup[]): boolean {
  return groups.some((g) => g.field.startsWith('upstream.'));
}

function patternNameOf(c: CompiledFormat): string {
  for (const name of PRESET_NAMES) if (PRESETS[name] === c.format) return c.escape === 'default' ? name : `${name}:${c.escape}`;
  return 'custom';
}

const stripCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

function toInt(raw: string): number | null {
  const n = Number(raw);
  return Number.isSafeInteger(n) && raw !== '' && n >= 0 ? n : null;
}

function toDuration(raw: string): DurationMs | null {
  const n = Number(raw);
  return Number.isFinite(n) && raw !== '' && n >= 0 ? secondsToDuration(n) : null;
}

/** escape=default writes `"` as \x22 and `\` as \x5C: decode those two, keep other escapes as logged. */
const decodeDefault = (raw: string): string =>
  raw.indexOf('\\x') < 0 ? raw : raw.replace(/\\x(22|5[Cc])/g, (_, h: string) => (h === '22' ? '"' : '\\'));

/** escape=json writes a JSON string body: \" \\ \n \uXXXX … */
export function decodeJsonEscapes(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function decoderFor(escape: EscapeMode): (raw: string) => string {
  if (escape === 'json') return decodeJsonEscapes;
  if (escape === 'none') return (raw) => raw;
  return decodeDefault;
}

function badValue(c: CompiledFormat, g: CompiledGroup, m: RegExpExecArray, inner: string, i: number): ParseResult<never> {
  // The regex matched, so locate the group by walking the segments up to it.
  const walked = walkFormat(c, inner, i);
  const at = walked.pos;
  return reject(`${formatLabel(c)}: expected $${g.name} (${g.describe}) at column ${at + 1}, found ${snippet(m[i + 1] ?? '')}`, at, `$${g.name}`);
}

interface Walk {
  /** Where the walk stopped. */
  readonly pos: number;
  /** The reason it stopped, or null when it reached the end of the format. */
  readonly reason: string | null;
  /** The variable it stopped at (the one after a literal that failed), when there is one. */
  readonly stoppedAt?: string;
}

/** Match the format piece by piece; stop at group `stopAtGroup` (for locating it) or at the first failure. */
function walkFormat(c: CompiledFormat, line: string, stopAtGroup = -1): Walk {
  let pos = 0;
  const segs = c.segments;
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k]!;
    if (s.type === 'literal') {
      if (line.startsWith(s.text, pos)) {
        pos += s.text.length;
        continue;
      }
      const before = segs[k + 1];
      const next = before?.type === 'variable' ? `$${c.groups[before.group]!.name}` : undefined;
      const where = next !== undefined ? ` before ${next}` : afterText(c, segs, k);
      return { pos, stoppedAt: next, reason: `expected ${JSON.stringify(s.text)}${where} at column ${pos + 1}, found ${snippet(line.slice(pos))}` };
    }
    if (s.group === stopAtGroup) return { pos, reason: null };
    s.sticky.lastIndex = pos;
    const m = s.sticky.exec(line);
    const g = c.groups[s.group]!;
    if (m === null) {
      return { pos, stoppedAt: `$${g.name}`, reason: `expected $${g.name} (${g.describe}) at column ${pos + 1}, found ${snippet(line.slice(pos))}` };
    }
    pos += m[0].length;
  }
  if (pos < line.length) {
    const last = c.groups[c.groups.length - 1];
    return {
      pos,
      reason:
        `the line goes on after the format's end${last ? ` ($${last.name})` : ''} at column ${pos + 1}: ` +
        `${snippet(line.slice(pos))} — the file was written with a longer log_format; give droptrace that format`,
    };
  }
  return { pos, reason: null };
}

function afterText(c: CompiledFormat, segs: readonly CompiledFormat['segments'][number][], k: number): string {
  const prev = segs[k - 1];
  return prev?.type === 'variable' ? ` after $${c.groups[prev.group]!.name}` : '';
}

function snippet(text: string): string {
  if (text === '') return 'the end of the line';
  const sp = text.indexOf(' ', 1);
  const word = sp > 0 && sp <= 24 ? text.slice(0, sp) : text;
  const cut = word.length > 24 ? `${word.slice(0, 24)}…` : word;
  return JSON.stringify(cut);
}


/** Explain why a line does not match: the failing `$variable`, its column, and a hint when we have one. */
export function explainMismatch(c: CompiledFormat, line: string): ParseResult<never> {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{') && !c.format.trimStart().startsWith('{')) {
    return reject(
      'looks like a JSON access log (a log_format with escape=json): read it as JSON, not with a text log_format ' +
        '(ingest without --log-format recognises JSON access lines; the library: createNginxJsonAccessParser)',
      0,
    );
  }
  if (NGINX_ERROR_SHAPE.test(line)) {
    return reject('looks like an nginx error-log line ("YYYY/MM/DD HH:MM:SS [level]"), not an access-log line: ingest it as an nginx error log', 0);
  }
  const walk = walkFormat(c, line);
  const reason = walk.reason ?? `does not match the log_format ${JSON.stringify(c.format)}`;
  return reject(`${formatLabel(c)}: ${reason}${presetHint(c, line)}`, walk.pos, walk.stoppedAt);
}

/** Which format the line was read with, for a reject: a preset by its name, the user's own as "the log_format given". */
function formatLabel(c: CompiledFormat): string {
  const name = patternNameOf(c);
  return name === 'custom' ? 'does not match the log_format given' : `does not match log_format "${name}"`;
}

function presetHint(c: CompiledFormat, line: string): string {
  if (line.length > 64 * 1024) return '';
  for (const name of PRESET_NAMES as PresetName[]) {
    if (PRESETS[name] === c.format) continue;
    if (resolveFormat(name, c.escape).regex.test(line)) return ` (the line matches the "${name}" preset: give that log_format with --log-format, or none and droptrace picks the preset)`;
  }
  return '';
}
