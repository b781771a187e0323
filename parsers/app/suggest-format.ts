/**
 * Which `--app-log-format` would read lines that no known Python logging layout splits: the format is
 * guessed from one line's prefix (a time, a level, a bracketed pid, a logger name, the punctuation
 * between them), then compiled and kept only if it reads most of the sample — a hint is a claim, so
 * it is checked before it is made. Pure: sample lines in, a format and how many it reads out.
 */
import { CLOCK_SOURCE } from './clock.js';
import { LEVEL_SOURCE } from './python-logging.js';
import { compilePythonLogFormat, isFormatProblem } from './python-format.js';

export interface FormatSuggestion {
  readonly format: string;
  /** Sample lines the compiled format reads */
  readonly reads: number;
  readonly of: number;
}

const AT_CLOCK = new RegExp(CLOCK_SOURCE, 'y');
const AT_LEVEL = new RegExp(`(?:${LEVEL_SOURCE})(?![\\w])( {2,})?`, 'y');
/** A bare number in the prefix, bracketed or between separators: the process id. */
const AT_PID = /\d+(?=[\])]| \| | - | )/y;
/** A logger name only where a separator follows it: otherwise it is the message's first word. */
const AT_LOGGER = /[A-Za-z_][\w.]*(?=: | - | \| |\] )/y;
const AT_PUNCT = /[ \[\]|:,()-]/y;

function at(re: RegExp, line: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(line);
}

/** One line's prefix → a logging format, or null when it has no time (droptrace needs the time). */
export function guessPythonLogFormat(line: string): string | null {
  let format = '';
  let pos = 0;
  const seen = new Set<string>();
  while (pos < line.length) {
    let m: RegExpExecArray | null;
    if (!seen.has('time') && (m = at(AT_CLOCK, line, pos))) {
      seen.add('time'); format += '%(asctime)s'; pos += m[0].length; continue;
    }
    if (!seen.has('level') && (m = at(AT_LEVEL, line, pos))) {
      seen.add('level');
      const padded = m[1] !== undefined;
      format += padded ? '%(levelname)-8s' : '%(levelname)s';
      pos += m[0].length;
      if (padded) format += ' ';
      continue;
    }
    if (!seen.has('pid') && '[( '.includes(line[pos - 1] ?? '') && (m = at(AT_PID, line, pos))) {
      seen.add('pid'); format += '%(process)d'; pos += m[0].length; continue;
    }
    if (!seen.has('logger') && seen.has('time') && (m = at(AT_LOGGER, line, pos))) {
      seen.add('logger'); format += '%(name)s'; pos += m[0].length; continue;
    }
    if ((m = at(AT_PUNCT, line, pos))) { format += m[0]; pos += 1; continue; }
    break;
  }
  if (!seen.has('time') || seen.size < 2) return null;
  return format.replace(/%/g, (p, i: number) => (format.startsWith('%(', i) ? p : '%%')) + '%(message)s';
}

/** The guessed format that reads the most sample lines, when it reads at least half of them. */
export function suggestPythonLogFormat(lines: readonly string[]): FormatSuggestion | null {
  const candidates = new Set<string>();
  for (const l of lines) {
    const g = guessPythonLogFormat(l);
    if (g !== null) candidates.add(g);
    if (candidates.size >= 8) break;
  }
  let best: FormatSuggestion | null = null;
  for (const format of candidates) {
    const compiled = compilePythonLogFormat(format);
    if (isFormatProblem(compiled)) continue;
    const reads = lines.filter((l) => compiled.layout.re.test(l)).length;
    if (best === null || reads > best.reads) best = { format, reads, of: lines.length };
  }
  return best !== null && best.reads * 2 >= best.of ? best : null;
}
