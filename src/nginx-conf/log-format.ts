/**
 * `log_format NAME [escape=default|json|none] STRING...;` — nginx concatenates the strings with
 * nothing between them, so a format split over lines must carry its own spaces. `combined` is
 * built in and cannot be redefined.
 */
import { cite, loadNginxConf, type Directive } from './load.js';
import { PRESETS } from '../../parsers/nginx-access/presets.js';
import { NginxConfError, type ConfProblem } from './conf-error.js';
import type { LogFormat } from './model.js';
import type { AccessFormat } from '../../parsers/nginx-access/compile.js';

/** nginx's built-in `combined` format, used by an access_log that names no format. */
export const BUILTIN_COMBINED: LogFormat = { name: 'combined', format: PRESETS.combined, escape: 'default', source: 'default (nginx built-in)' };

export function logFormatFrom(d: Directive): LogFormat | undefined {
  const [name, ...rest] = d.args;
  if (name === undefined) return undefined;
  let escape: LogFormat['escape'] = 'default';
  const first = rest[0];
  if (first !== undefined && first.startsWith('escape=')) {
    const e = first.slice('escape='.length);
    escape = e === 'json' ? 'json' : e === 'none' ? 'none' : 'default';
    rest.shift();
  }
  return { name, format: rest.join(''), escape, source: cite(d) };
}

/** Every log_format in the tree, in file order (nginx only allows them in http{}, but we look everywhere). */
export function collectLogFormats(directives: readonly Directive[]): LogFormat[] {
  const out: LogFormat[] = [];
  const walk = (ds: readonly Directive[]): void => {
    for (const d of ds) {
      if (d.name === 'log_format') {
        const f = logFormatFrom(d);
        if (f) out.push(f);
      }
      if (d.block) walk(d.block);
    }
  };
  walk(directives);
  return out;
}

export type LogFormatLookup = { readonly ok: true; readonly value: LogFormat } | { readonly ok: false; readonly error: ConfProblem };

/** findLogFormat as a value: a missing format or a broken config comes back as a problem, never thrown. */
export function lookupLogFormat(confPath: string, name: string): LogFormatLookup {
  const tree = loadNginxConf(confPath);
  if (!tree.ok) return tree;
  const formats = collectLogFormats(tree.value.directives);
  const found = formats.find((f) => f.name === name) ?? (name === 'combined' ? BUILTIN_COMBINED : undefined);
  if (found) return { ok: true, value: found };
  const known = formats.map((f) => `"${f.name}" (${f.source})`).join(', ');
  const readFiles = tree.value.files.length;
  return {
    ok: false,
    error: {
      file: confPath,
      line: 0,
      message: `log_format "${name}" is not defined in ${confPath} or the ${readFiles - 1} file(s) it includes; defined: ${known || 'none (only the built-in "combined")'}`,
      fix: `pass the name used by your access_log line with --log-format-name, or the nginx.conf that defines "${name}"`,
    },
  };
}

/** Reads a named log_format from an nginx.conf and its includes; throws NginxConfError (file:line and fix) otherwise. */
export function findLogFormat(confPath: string, name: string): AccessFormat & { readonly source: string } {
  const r = lookupLogFormat(confPath, name);
  if (!r.ok) throw new NginxConfError(r.error);
  return { format: r.value.format, escape: r.value.escape, source: r.value.source };
}
