/**
 * nginx's config tokenizer, rule for rule with `ngx_conf_read_token`: words end at whitespace, `;`
 * or `{` (not at `}`: `${var}` stays one word, and so does `a}b`); `#` starts a comment only where a
 * word could start; quotes may open only at a word start and must be followed by whitespace, `;`,
 * `{` or `)`; a backslash escapes the next character, and `\t \r \n \" \' \\` are unescaped.
 * Getting these right matters because the audit cites file:line for every value.
 */
import { confFail, confOk, type ConfResult } from './conf-error.js';

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly quoted: boolean; readonly line: number }
  | { readonly kind: '{' | '}' | ';'; readonly line: number };

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

export function tokenize(text: string, file: string): ConfResult<Token[]> {
  const tokens: Token[] = [];
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
        return confFail(
          file,
          startLine,
          `unterminated ${c === '"' ? 'double' : 'single'} quote: the string opened here runs to the end of the file (nginx reports "unexpected end of file, expecting \\";\\" or \\"}\\"")`,
          `close the quote with ${c}; a literal ${c} inside it is written \\${c}`,
        );
      }
      const next = text[j];
      if (next !== undefined && !isSpace(next) && next !== ';' && next !== '{' && next !== ')') {
        return confFail(
          file,
          line,
          `unexpected "${next}" right after a quoted string (nginx needs a space, ";" or "{" there)`,
          'put a space after the closing quote, or move the text inside the quotes',
        );
      }
      tokens.push({ kind: 'word', text: unescape(raw), quoted: true, line: startLine });
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
    tokens.push({ kind: 'word', text: unescape(raw), quoted: false, line: startLine });
    i = j;
  }
  return confOk(tokens);
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
