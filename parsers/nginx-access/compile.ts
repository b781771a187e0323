/**
 * Compiles a user's nginx `log_format` string ONCE into one anchored regex plus the list of what each
 * capture group holds (gonx's idea; GoAccess re-reads its format for every line — we do not).
 *
 * A typed variable ($status, $request_time, $time_local …) matches its own shape. Free text ($request,
 * $http_user_agent, unknown variables) ends where the format's next literal begins, GoAccess-style:
 * `[^D]*(?:D(?!EST)[^D]*)*` for the literal "DEST" — an unrolled loop with one way to match each
 * character, so the regex stays linear on hostile lines (the fuzz test feeds it a 1 MB line).
 */
import { lookupVariable, type VariableField, type VariableKind } from './variables.js';

export type EscapeMode = 'default' | 'json' | 'none';

/**
 * The access format of a file: its `log_format` string and its `escape=` mode, one value. They are
 * decided together (a flag, a named format in nginx.conf, a preset), travel together to the parser and
 * are stored together, so the mode is never lost between them.
 */
export interface AccessFormat {
  /** The log_format string, variables and literal text as nginx.conf writes them (quotes joined). */
  readonly format: string;
  readonly escape: EscapeMode;
}

export interface CompileOptions {
  /** The `escape=` parameter of the log_format (nginx ≥ 1.11.8); default "default". */
  readonly escape?: EscapeMode;
}

/** One capture group of the compiled regex. */
export interface CompiledGroup {
  /** Variable name without "$". */
  readonly name: string;
  readonly kind: VariableKind;
  readonly field: VariableField;
  readonly describe: string;
  /** True when the variable sits between two '"' in the format. */
  readonly quoted: boolean;
}

/** A piece of the format, walked one by one to explain a line that does not match. */
export type FormatSegment =
  | { readonly type: 'literal'; readonly text: string }
  | { readonly type: 'variable'; readonly group: number; readonly sticky: RegExp };

export interface CompiledFormat extends AccessFormat {
  readonly kind: 'compiled-format';
  readonly regex: RegExp;
  readonly groups: readonly CompiledGroup[];
  readonly segments: readonly FormatSegment[];
  /** Variable names in format order (with repeats removed). */
  readonly variables: readonly string[];
}

export interface FormatError {
  readonly kind: 'format-error';
  /** What is wrong with the format and how to fix it. */
  readonly reason: string;
  /** 0-based character index in the format string. */
  readonly at: number;
}

export const isFormatError = (x: CompiledFormat | FormatError): x is FormatError => x.kind === 'format-error';

type Token = { readonly type: 'literal'; readonly text: string } | { readonly type: 'variable'; readonly name: string; readonly at: number };

/** Split a format into literal text and variables (`$name` and `${name}`). */
export function tokenizeLogFormat(format: string): Token[] | FormatError {
  const tokens: Token[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '$') {
      literal += c;
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (format[i + 1] === '{') {
      const close = format.indexOf('}', i + 2);
      if (close < 0) return formatError(`"\${" at character ${i + 1} is never closed: write \${name}`, i);
      name = format.slice(i + 2, close);
      end = close + 1;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(format.slice(i + 1, i + 65));
      name = m ? m[0] : '';
      end = i + 1 + name.length;
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      return formatError(`"$" at character ${i + 1} is not followed by a variable name: write $name or \${name}`, i);
    }
    if (literal !== '') tokens.push({ type: 'literal', text: literal });
    literal = '';
    tokens.push({ type: 'variable', name, at: i });
    i = end;
  }
  if (literal !== '') tokens.push({ type: 'literal', text: literal });
  return tokens;
}

const formatError = (reason: string, at: number): FormatError => ({ kind: 'format-error', reason, at });

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Regex source for a character class member. */
const classChar = (c: string): string => (/[\]\\^-]/.test(c) ? `\\${c}` : c);

/**
 * Free text up to the literal `next` (or up to the end of the line when `next` is the format's last
 * literal and `atEnd`). Linear: the loop can only leave at an occurrence of the literal.
 */
function freeTextPattern(next: string | null, atEnd: boolean, escape: EscapeMode, quoted: boolean): string {
  if (escape === 'json' && quoted) return '[^"\\\\]*(?:\\\\.[^"\\\\]*)*';
  // escape=default writes '"' inside a value as \x22, so a quoted value never holds a raw quote.
  if (escape === 'default' && quoted) return '[^"]*';
  if (next === null || next === '') return '.*';
  const d = classChar(next[0]!);
  const rest = escapeRegex(next.slice(1)) + (atEnd ? '$' : '');
  if (rest === '') return `[^${d}]*`;
  return `[^${d}]*(?:${escapeRegex(next[0]!)}(?!${rest})[^${d}]*)*`;
}

export function compileLogFormat(format: string, opts: CompileOptions = {}): CompiledFormat | FormatError {
  const escape = opts.escape ?? 'default';
  if (format.trim() === '') return formatError('the log_format is empty: give the format string of your access_log', 0);
  const tokens = tokenizeLogFormat(format);
  if (!Array.isArray(tokens)) return tokens;
  if (!tokens.some((t) => t.type === 'variable')) {
    return formatError('the log_format has no $variable: droptrace needs at least $status or $request', 0);
  }
  const groups: CompiledGroup[] = [];
  const segments: FormatSegment[] = [];
  let source = '^';
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type === 'literal') {
      source += escapeRegex(t.text);
      segments.push({ type: 'literal', text: t.text });
      continue;
    }
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    const spec = lookupVariable(t.name);
    const quoted = prev?.type === 'literal' && prev.text.endsWith('"') && next?.type === 'literal' && next.text.startsWith('"');
    let pattern: string;
    // A quoted address list under escape=default ends at the quote, whatever it holds ("unknown, <redacted>").
    const quotedText = quoted && escape !== 'none' && (spec?.kind === 'addr' || spec?.kind === 'addr-list');
    if (spec?.pattern != null && !quotedText) {
      pattern = spec.pattern;
    } else {
      if (next?.type === 'variable') {
        return formatError(
          `$${t.name} is followed directly by $${next.name} with no text between them: droptrace cannot tell where ` +
            `$${t.name} ends — put a space or a separator between them in the log_format`,
          next.at,
        );
      }
      const nextText = next?.type === 'literal' ? next.text : null;
      pattern = freeTextPattern(nextText, k + 1 === tokens.length - 1, escape, quoted);
    }
    groups.push({
      name: t.name,
      kind: spec?.kind ?? 'string',
      field: spec?.field ?? 'extra',
      describe: spec?.describe ?? 'a value',
      quoted,
    });
    source += `(${pattern})`;
    segments.push({ type: 'variable', group: groups.length - 1, sticky: new RegExp(`(?:${pattern})`, 'sy') });
  }
  source += '$';
  return {
    kind: 'compiled-format',
    format,
    escape,
    regex: new RegExp(source, 's'),
    groups,
    segments,
    variables: [...new Set(groups.map((g) => g.name))],
  };
}
