/**
 * nginx's config tokenizer, rule for rule with `ngx_conf_read_token`: words end at whitespace, `;`
 * or `{` (not at `}`: `${var}` stays one word, and so does `a}b`); `#` starts a comment only where a
 * word could start; quotes may open only at a word start and must be followed by whitespace, `;`,
 * `{` or `)`; a backslash escapes the next character, and `\t \r \n \" \' \\` are unescaped.
 * Getting these right matters because the audit cites file:line for every value.
 *
 * The loader takes the tokens read before an error and the error apart (tokenizeUntilError): nginx
 * reads and applies a file statement by statement, so a bad directive early in a file is reported
 * before a quote left open near its end, and so are we.
 */
import { confFail, confOk, type ConfProblem, type ConfResult } from './conf-error.js';

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly quoted: boolean; readonly line: number }
  | { readonly kind: '{' | '}' | ';'; readonly line: number };

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/** A word longer than this is refused by nginx (NGX_CONF_BUFFER): a file that is not a config, usually. */
const MAX_WORD = 4096;

/** Config text quoted in an error: one line at most, cut, control characters shown as escapes. */
export function quoteText(text: string, max = 60): string {
  const line = text.split('\n')[0] ?? '';
  const cut = line.length > max ? `${line.slice(0, max)}…` : line;
  return cut.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function tokenize(text: string, file: string): ConfResult<Token[]> {
  const r = tokenizeUntilError(text, file);
  return r.error ? { ok: false, error: r.error } : confOk(r.tokens);
}

export interface Tokenized {
  readonly tokens: Token[];
  /** The first lexical error; tokens holds everything before it. */
  readonly error?: ConfProblem;
}

export function tokenizeUntilError(text: string, file: string): Tokenized {
  const tokens: Token[] = [];
  const fail = (r: ConfResult<never>): Tokenized => (r.ok ? { tokens } : { tokens, error: r.error });
  // The first word of the statement being read: a `*_by_lua_block` opens Lua code, not directives.
  let head: string | undefined;
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === '\n') line++;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '{' || c === '}' || c === ';') {
      tokens.push({ kind: c, line });
      i++;
      if (c === '{' && head !== undefined && head.endsWith('_by_lua_block')) {
        const end = skipLuaBlock(text, i);
        for (let k = i; k < end.closeAt; k++) if (text[k] === '\n') line++;
        if (end.closeAt >= n) {
          return fail(confFail(file, line, `unexpected end of file, expecting "}": the Lua code of "${head}" is never closed`, 'close the Lua block with "}"'));
        }
        tokens.push({ kind: '}', line });
        i = end.closeAt + 1;
      }
      head = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      const startLine = line;
      let j = i + 1;
      let raw = '';
      let closed = false;
      while (j < n) {
        const d = text[j] as string;
        if (d === '\\' && j + 1 < n) {
          raw += d + (text[j + 1] as string);
          if (text[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          j++;
          break;
        }
        if (d === '\n') line++;
        raw += d;
        j++;
      }
      if (!closed) {
        const eofLine = text.split('\n').length;
        const message = `unexpected end of file, expecting ";" or "}": the ${c === '"' ? 'double' : 'single'} quote opened here is never closed, so the string runs to the end of the file (nginx reports it at line ${eofLine})`;
        return { tokens, error: { file, line: startLine, nginxLine: eofLine, message, fix: `close the quote with ${c}; a literal ${c} inside it is written \\${c}` } };
      }
      const next = text[j];
      if (next !== undefined && !isSpace(next) && next !== ';' && next !== '{' && next !== ')') {
        return fail(confFail(
          file,
          line,
          `unexpected "${quoteText(next)}" right after a quoted string (nginx needs a space, ";" or "{" there)`,
          'put a space after the closing quote, or move the text inside the quotes',
        ));
      }
      if (raw.length > MAX_WORD) return fail(tooLong(file, startLine, raw));
      const word = unescape(raw);
      head ??= word;
      tokens.push({ kind: 'word', text: word, quoted: true, line: startLine });
      i = j;
      continue;
    }
    // An unquoted word: runs until whitespace, ';' or '{' — but '{' right after '$' is part of `${var}`.
    const startLine = line;
    let j = i;
    let raw = '';
    while (j < n) {
      const d = text[j] as string;
      if (d === '\\' && j + 1 < n) {
        raw += d + (text[j + 1] as string);
        j += 2;
        continue;
      }
      if (d === '{' && raw.endsWith('$')) {
        raw += d;
        j++;
        continue;
      }
      if (isSpace(d) || d === ';' || d === '{') break;
      raw += d;
      j++;
    }
    if (raw.length > MAX_WORD) return fail(tooLong(file, startLine, raw));
    const word = unescape(raw);
    head ??= word;
    tokens.push({ kind: 'word', text: word, quoted: false, line: startLine });
    i = j;
  }
  return { tokens };
}

const tooLong = (file: string, line: number, raw: string): ConfResult<never> =>
  confFail(
    file,
    line,
    `too long parameter "${quoteText(raw, 10)}" started (nginx reads at most ${MAX_WORD} bytes in one word: is this file an nginx config?)`,
    'check that every include names config files only (not certificates, logs or binaries)',
  );

/**
 * From just after a `*_by_lua_block {`, the index of the `}` that closes it, skipping Lua strings,
 * long brackets and comments as lua-nginx-module's own reader does (Lua code is not nginx syntax:
 * `-- it's` would otherwise open a quote).
 */
function skipLuaBlock(text: string, from: number): { closeAt: number } {
  let depth = 1;
  let i = from;
  const n = text.length;
  const longBracket = (at: number): number => {
    // "[", then "="*, then "[": returns the level, or -1.
    let k = at + 1;
    while (text[k] === '=') k++;
    return text[at] === '[' && text[k] === '[' ? k - at - 1 : -1;
  };
  const skipLong = (at: number, level: number): number => {
    const close = `]${'='.repeat(level)}]`;
    const end = text.indexOf(close, at + level + 2);
    return end < 0 ? n : end + close.length;
  };
  while (i < n) {
    const c = text[i] as string;
    if (c === '-' && text[i + 1] === '-') {
      const level = longBracket(i + 2);
      if (level >= 0) i = skipLong(i + 2, level);
      else while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      const level = longBracket(i);
      if (level >= 0) {
        i = skipLong(i, level);
        continue;
      }
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}' && --depth === 0) return { closeAt: i };
    i++;
  }
  return { closeAt: n };
}

/** The unescaping nginx applies to every word, quoted or not. Other `\x` pairs stay as written (regexes need them). */
function unescape(raw: string): string {
  let out = '';
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k] as string;
    const d = raw[k + 1];
    if (c === '\\' && d !== undefined) {
      if (d === '"' || d === "'" || d === '\\') {
        out += d;
        k++;
        continue;
      }
      const ctl = d === 't' ? '\t' : d === 'r' ? '\r' : d === 'n' ? '\n' : undefined;
      if (ctl !== undefined) {
        out += ctl;
        k++;
        continue;
      }
    }
    out += c;
  }
  return out;
}
