/**
 * Python's %-style (and str.format `{}`-style) format strings as data: a logging.Formatter format
 * (`%(asctime)s %(levelname)-8s [%(process)d] %(name)s: %(message)s`) compiled ONCE into an anchored
 * regex whose capture names are the layout's fields, like parsers/nginx-access/compile.ts does for
 * nginx's log_format. A known attribute matches its own shape; any other ends where the format's
 * next literal begins. gunicorn's access_log_format atoms use the same tokenizer
 * (parsers/gunicorn/access-format.ts).
 */
import { CLOCK_SOURCE } from './clock.js';
import { LEVEL_SOURCE, type PythonLayout } from './python-logging.js';

export type FormatToken =
  | { readonly type: 'literal'; readonly text: string }
  | {
    readonly type: 'field';
    readonly name: string;
    /** Width padding: 'left' for `%(x)-8s` / `{x:<8}` (value, then spaces), 'right' for `%(x)8s` / `{x:>8}` */
    readonly pad: 'left' | 'right' | 'center' | null;
    /** `%(x).3s` / `{x:.3}` cuts the value: it no longer has its attribute's shape */
    readonly truncated: boolean;
    readonly at: number;
  };

export interface FormatProblem {
  readonly kind: 'format-error';
  readonly reason: string;
  readonly at: number;
}

export const isFormatProblem = (x: unknown): x is FormatProblem => typeof x === 'object' && x !== null && (x as FormatProblem).kind === 'format-error';

const problem = (reason: string, at: number): FormatProblem => ({ kind: 'format-error', reason, at });

/** `%(name)[flags][width][.precision]type`, `%%`; with style '{', `{name[:spec]}`, `{{`, `}}`. */
export function tokenizePythonFormat(format: string, style: '%' | '{' = '%'): FormatToken[] | FormatProblem {
  const out: FormatToken[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') out.push({ type: 'literal', text: literal });
    literal = '';
  };
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (style === '%') {
      if (c !== '%') { literal += c; i++; continue; }
      if (format[i + 1] === '%') { literal += '%'; i += 2; continue; }
      const m = /^%\(([^)]*)\)([-#0 +]*)(\d*)(?:\.(\d+))?([sdifrauxXeEgGc])/.exec(format.slice(i));
      if (!m) return problem(`"%" at character ${i + 1} is not a %(name)s field: write %(name)s, %(name)d or %% for a percent sign`, i);
      flush();
      const width = m[3] !== '';
      out.push({ type: 'field', name: m[1]!, pad: width ? (m[2]!.includes('-') ? 'left' : 'right') : null, truncated: m[4] !== undefined, at: i });
      i += m[0].length;
      continue;
    }
    if (c === '{' && format[i + 1] === '{') { literal += '{'; i += 2; continue; }
    if (c === '}' && format[i + 1] === '}') { literal += '}'; i += 2; continue; }
    if (c !== '{') { literal += c; i++; continue; }
    const close = format.indexOf('}', i);
    if (close < 0) return problem(`"{" at character ${i + 1} is never closed: write {name} or {{ for a brace`, i);
    const body = format.slice(i + 1, close);
    const [name = '', spec = ''] = body.split(':', 2);
    const sm = /^(?:.?([<>^]))?[-+ ]?#?0?(\d*)(?:\.(\d+))?[a-zA-Z%]?$/.exec(spec);
    if (!/^[A-Za-z_]\w*$/.test(name) || !sm) return problem(`"{${body}}" at character ${i + 1} is not a {name} or {name:spec} field`, i);
    flush();
    const align = sm[1];
    const padded = sm[2] !== '';
    out.push({
      type: 'field', name,
      pad: padded ? (align === '>' ? 'right' : align === '^' ? 'center' : 'left') : null,
      truncated: sm[3] !== undefined, at: i,
    });
    i = close + 1;
  }
  flush();
  return out;
}

export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');

/**
 * A free field ends where the next literal begins: a tempered token that never crosses that literal,
 * so a field cannot swallow the rest of the line and the regex stays linear on long lines.
 */
export function freeField(next: string | null): string {
  if (next === null || next === '') return '.*';
  return `(?:(?!${escapeRegex(next)}).)*?`;
}

/** logging.LogRecord attributes with a shape of their own; the group name is the layout's field. */
const ATTRIBUTES: Readonly<Record<string, { readonly group: string | null; readonly re: string }>> = {
  asctime: { group: 'time', re: CLOCK_SOURCE },
  created: { group: 'created', re: String.raw`\d+(?:\.\d+)?` },
  msecs: { group: 'msecs', re: String.raw`\d+(?:\.\d+)?` },
  levelname: { group: 'level', re: LEVEL_SOURCE },
  levelno: { group: null, re: String.raw`\d+` },
  process: { group: 'pid', re: String.raw`\d+` },
  thread: { group: null, re: String.raw`\d+` },
  lineno: { group: null, re: String.raw`\d+` },
  relativeCreated: { group: null, re: String.raw`\d+(?:\.\d+)?` },
  name: { group: 'logger', re: String.raw`[^\s:\]]+` },
  message: { group: 'msg', re: '' },
};

/** Where the layout's fields come from: group name → what a line holds there. */
export interface CompiledPythonFormat {
  readonly layout: PythonLayout;
  /** The attributes the format names, in order */
  readonly attributes: readonly string[];
}

/**
 * A logging format → a layout (named `custom`, or as given) the app and gunicorn parsers try before
 * their built-in layouts. The message must be the last field (it runs to the end of the line).
 */
export function compilePythonLogFormat(format: string, opts: { readonly style?: '%' | '{'; readonly name?: string } = {}): CompiledPythonFormat | FormatProblem {
  const style = opts.style ?? (/%\(\w+\)/.test(format) ? '%' : /\{\w+(?::[^}]*)?\}/.test(format) ? '{' : '%');
  const tokens = tokenizePythonFormat(format, style);
  if (isFormatProblem(tokens)) return tokens;
  const fields = tokens.filter((t): t is Extract<FormatToken, { type: 'field' }> => t.type === 'field');
  if (!fields.some((f) => f.name === 'message')) {
    return problem(`the format has no ${style === '%' ? '%(message)s' : '{message}'}: droptrace reads the middleware's request lines from the message`, 0);
  }
  const seen = new Set<string>();
  let re = '^';
  tokens.forEach((t, i) => {
    if (t.type === 'literal') {
      re += escapeRegex(t.text);
      return;
    }
    const next = tokens[i + 1];
    const nextLiteral = next?.type === 'literal' ? next.text : null;
    const known = ATTRIBUTES[t.name];
    let body: string;
    if (t.name === 'message') body = i === tokens.length - 1 ? '.*' : freeField(nextLiteral);
    else if (known && !t.truncated) body = known.re;
    else body = freeField(nextLiteral);
    const group = known?.group ?? null;
    // A repeated attribute (or one without a column) is matched, not captured twice.
    const named = group !== null && !seen.has(group);
    if (named) seen.add(group);
    let piece = named ? `(?<${group}>${body})` : `(?:${body})`;
    if (t.pad === 'left') piece += ' *';
    else if (t.pad === 'right') piece = ' *' + piece;
    else if (t.pad === 'center') piece = ' *' + piece + ' *';
    re += piece;
  });
  re += '$';
  let regex: RegExp;
  try {
    regex = new RegExp(re);
  } catch (e) {
    return problem(`the format does not compile: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
  return { layout: { name: opts.name ?? 'custom', format, re: regex }, attributes: fields.map((f) => f.name) };
}
