/**
 * The log formats a gunicorn deployment declares, read from its config so the user need not copy
 * them: `access_log_format` and `logconfig_dict` in gunicorn.conf.py (top-level assignments, as the
 * audit reads them), and the formatters of a `--log-config` / `logconfig = "…"` ini file
 * (logging.fileConfig reads `format=` raw, so `%(asctime)s` needs no escaping there).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseGunicornConfPy } from '../audit/app-server/conf-py.js';

export interface DeclaredLogFormats {
  /** Python logging formats, each with where it was read */
  readonly appLogFormats: readonly { readonly format: string; readonly style: '%' | '{'; readonly source: string }[];
  readonly accessLogFormat: { readonly format: string; readonly source: string } | null;
  /** What was there but could not be read (an expression, a missing ini), with where */
  readonly notes: readonly string[];
}

const INI_FORMATTER = /^\[formatter_([^\]]+)\]\s*$/;

/** A logging.fileConfig ini: the `format=` (and `style=`) of every [formatter_*] section. */
export function readLoggingIni(text: string, file: string): DeclaredLogFormats['appLogFormats'] {
  const out: { format: string; style: '%' | '{'; source: string }[] = [];
  let section: string | null = null;
  let current: { format: string; style: '%' | '{'; source: string } | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const s = INI_FORMATTER.exec(line);
    if (s || /^\[/.test(line)) {
      section = s ? s[1]! : null;
      current = null;
      return;
    }
    if (section === null) return;
    const kv = /^\s*(format|style)\s*[=:]\s?(.*)$/.exec(line);
    if (!kv) return;
    if (kv[1] === 'format') {
      current = { format: kv[2]!, style: '%', source: `${file}:${i + 1} [formatter_${section}]` };
      out.push(current);
    } else if (current !== null && kv[2]!.trim() === '{') {
      (current as { style: '%' | '{' }).style = '{';
    }
  });
  return out;
}

/** The text of `name = {…}` (or dict(…)) from its first line to its closing bracket, strings respected. */
function assignedBlock(text: string, name: string): { body: string; line: number } | null {
  const m = new RegExp(`^${name}\\s*=\\s*(\\{|dict\\()`, 'm').exec(text);
  if (!m) return null;
  const open = m.index + m[0].length - 1;
  const close = text[open] === '{' ? '}' : ')';
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === text[open]) depth++;
    else if (c === close && --depth === 0) return { body: text.slice(open, i + 1), line: text.slice(0, m.index).split('\n').length };
  }
  return null;
}

const FORMAT_ENTRY = /["'](format|fmt|style)["']\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')/g;

/** gunicorn.conf.py, or a logging ini given as gunicorn's --log-config. */
export function readGunicornLogFormats(path: string): DeclaredLogFormats {
  const text = readFileSync(path, 'utf8');
  if (/^\[(?:formatters|formatter_[^\]]+)\]\s*$/m.test(text)) {
    return { appLogFormats: readLoggingIni(text, path), accessLogFormat: null, notes: [] };
  }
  const conf = parseGunicornConfPy(text, path);
  const notes: string[] = [];
  const app: { format: string; style: '%' | '{'; source: string }[] = [];
  let access: DeclaredLogFormats['accessLogFormat'] = null;
  const a = conf.get('access_log_format');
  if (a?.literal) access = { format: a.value, source: a.source };
  else if (a) notes.push(`${a.source}: access_log_format is an expression (${a.value}); pass it as --gunicorn-access-format`);
  const ini = conf.get('logconfig');
  if (ini?.literal) {
    const iniPath = resolve(dirname(path), ini.value);
    try {
      app.push(...readLoggingIni(readFileSync(iniPath, 'utf8'), iniPath));
    } catch (e) {
      notes.push(`${ini.source}: logconfig ${iniPath} could not be read (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const dict = assignedBlock(text, 'logconfig_dict');
  if (dict) {
    let last: { format: string; style: '%' | '{'; source: string } | null = null;
    for (const m of dict.body.matchAll(FORMAT_ENTRY)) {
      const value = (m[2] ?? m[3] ?? '').replace(/\\(["'\\])/g, '$1');
      const line = dict.line + dict.body.slice(0, m.index).split('\n').length - 1;
      if (m[1] === 'style') {
        if (value === '{' && last) last.style = '{';
        continue;
      }
      last = { format: value, style: '%', source: `${path}:${line} (logconfig_dict)` };
      app.push(last);
    }
  }
  return { appLogFormats: app, accessLogFormat: access, notes };
}
