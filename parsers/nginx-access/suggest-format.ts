/**
 * A log_format to suggest for an access log no preset reads: built from one line's fields, naming only
 * those whose shape says which variable wrote them ($time_iso8601, $msec, [$time_local], the first
 * bare address before the request as $remote_addr, "$request", the $status right after it and the
 * $body_bytes_sent right after that) and writing `?` for every other value (`rt=0.010` may be
 * $request_time or anything else). It is a guess to check against nginx.conf, never a format
 * droptrace reads with: the skeleton is compiled (each `?` as a free-text field) and offered only when
 * it reads most of the sample, so the layout of literals it claims is at least true of the lines.
 * Pure: sample lines in, a suggestion or null out.
 */
import { compileLogFormat, isFormatError } from './compile.js';
import { createNginxAccessParser } from './parse.js';
import { TIME_LOCAL_SOURCE } from './variables.js';

export interface LogFormatSuggestion {
  /** The format with `?` where a value cannot be named. */
  readonly format: string;
  /** How many `?` it holds. */
  readonly unnamed: number;
  /** Sample lines the skeleton reads. */
  readonly reads: number;
  readonly of: number;
}

type Piece = { readonly text: string } | { readonly unnamed: true };

const AT_ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}(?= |$)/y;
const AT_MSEC = /\d{10}\.\d{3}(?= |$)/y;
const AT_TIME_LOCAL = new RegExp(String.raw`\[${TIME_LOCAL_SOURCE}\]`, 'y');
const AT_REQUEST = /"[A-Z]{3,10} [^" ]+ HTTP\/\d(?:\.\d)?"/y;
const AT_STATUS = / [1-5]\d\d(?= |$)/y;
const AT_BYTES = / \d+(?= |$)/y;
// IPv4, or IPv6 with "::" or all eight groups (so a clock such as 00:00:01 is not taken for one).
const AT_ADDR = /(?:\d{1,3}(?:\.\d{1,3}){3}|(?=[0-9A-Fa-f:.]*::)[0-9A-Fa-f:.]{2,45}|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4})(?= |$)/y;
/** `rt=`, `rid=`: a name the log_format spells out before its value; kept as literal text. */
const AT_KEY = /[A-Za-z_][\w.-]*=/y;
const AT_QUOTED = /"[^"]*"/y;
const AT_BARE = /[^ "]+/y;
const AT_SPACES = / +/y;

function at(re: RegExp, line: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(line);
  return m === null ? null : m[0];
}

/** One line → its pieces: literals, named variables (as literal `$name` text) and unnamed values. */
export function guessNginxLogFormatPieces(line: string): readonly Piece[] | null {
  const pieces: Piece[] = [];
  const seen = new Set<string>();
  let pos = 0;
  let m: string | null;
  const named = (name: string, text: string, before = '', after = ''): void => {
    seen.add(name);
    pieces.push({ text: `${before}$${name}${after}` });
    pos += text.length;
  };
  while (pos < line.length) {
    const prev = pieces.at(-1);
    const afterRequest = prev !== undefined && 'text' in prev && prev.text === '"$request"';
    const afterStatus = prev !== undefined && 'text' in prev && prev.text === ' $status';
    if ((m = at(AT_SPACES, line, pos)) !== null && !(afterRequest && at(AT_STATUS, line, pos)) && !(afterStatus && at(AT_BYTES, line, pos))) {
      pieces.push({ text: m }); pos += m.length; continue;
    }
    if (afterRequest && (m = at(AT_STATUS, line, pos)) !== null) { named('status', m, ' '); continue; }
    if (afterStatus && (m = at(AT_BYTES, line, pos)) !== null) { named('body_bytes_sent', m, ' '); continue; }
    const noTime = !seen.has('time_iso8601') && !seen.has('msec') && !seen.has('time_local');
    if (noTime && (m = at(AT_ISO, line, pos)) !== null) { named('time_iso8601', m); continue; }
    if (noTime && (m = at(AT_MSEC, line, pos)) !== null) { named('msec', m); continue; }
    if (noTime && (m = at(AT_TIME_LOCAL, line, pos)) !== null) { named('time_local', m, '[', ']'); continue; }
    if (!seen.has('request') && (m = at(AT_REQUEST, line, pos)) !== null) { named('request', m, '"', '"'); continue; }
    if (!seen.has('remote_addr') && !seen.has('request') && (m = at(AT_ADDR, line, pos)) !== null) { named('remote_addr', m); continue; }
    if ((m = at(AT_KEY, line, pos)) !== null) { pieces.push({ text: m }); pos += m.length; continue; }
    if ((m = at(AT_QUOTED, line, pos)) !== null) { pieces.push({ text: '"' }, { unnamed: true }, { text: '"' }); pos += m.length; continue; }
    if ((m = at(AT_BARE, line, pos)) !== null) { pieces.push({ unnamed: true }); pos += m.length; continue; }
    return null; // an unbalanced quote: no layout to claim
  }
  return seen.has('request') && seen.has('status') ? pieces : null;
}

const render = (pieces: readonly Piece[], unnamed: (i: number) => string): string => {
  let i = 0;
  return pieces.map((p) => ('text' in p ? p.text : unnamed(i++))).join('');
};

/**
 * The first line's guess, kept only when its skeleton (each `?` read as free text) reads more than
 * half of the sample lines. null: nothing honest to suggest.
 */
export function suggestNginxLogFormat(lines: readonly string[]): LogFormatSuggestion | null {
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 50);
  const first = sample[0];
  if (first === undefined) return null;
  const pieces = guessNginxLogFormatPieces(first);
  if (pieces === null) return null;
  const skeleton = render(pieces, (i) => `$droptrace_unnamed_${i}`);
  const compiled = compileLogFormat(skeleton);
  if (isFormatError(compiled)) return null;
  const parse = createNginxAccessParser({ tz: 'UTC', compiled });
  const reads = sample.filter((l) => parse(l).kind === 'record').length;
  if (reads <= sample.length / 2) return null;
  return { format: render(pieces, () => '?'), unnamed: pieces.filter((p) => !('text' in p)).length, reads, of: sample.length };
}
