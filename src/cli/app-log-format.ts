/**
 * --app-log-format (repeatable), --gunicorn-access-format and --gunicorn-conf → the Python formats
 * app text logs and gunicorn streams are read with, each compiled once here so that a format error
 * is a usage error (exit 2) naming the field, before anything is ingested.
 */
import { UsageError } from '../domain/errors.js';
import { compilePythonLogFormat, isFormatProblem } from '../../parsers/app/python-format.js';
import { compileGunicornAccessFormat } from '../../parsers/gunicorn/access-format.js';
import { readGunicornLogFormats } from '../ingest/gunicorn-formats.js';

export interface AppLogFormatFlags {
  readonly appLogFormat?: string[];
  readonly gunicornAccessFormat?: string;
  readonly gunicornConf?: string;
}

export interface ResolvedAppLogFormats {
  readonly appLogFormats: string[];
  readonly gunicornAccessFormat: string | null;
  /** Where each format came from, and what a config held that could not be read */
  readonly notes: string[];
}

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function resolveAppLogFormats(flags: AppLogFormatFlags): ResolvedAppLogFormats {
  const app = [...(flags.appLogFormat ?? [])].map((f) => ({ format: f, source: '--app-log-format' }));
  let access: { format: string; source: string } | null = flags.gunicornAccessFormat === undefined ? null : { format: flags.gunicornAccessFormat, source: '--gunicorn-access-format' };
  const notes: string[] = [];
  if (flags.gunicornConf !== undefined) {
    let declared;
    try {
      declared = readGunicornLogFormats(flags.gunicornConf);
    } catch (e) {
      throw new UsageError(`--gunicorn-conf ${flags.gunicornConf}: ${e instanceof Error ? e.message : String(e)}`);
    }
    app.push(...declared.appLogFormats);
    access ??= declared.accessLogFormat;
    notes.push(...declared.notes);
    if (declared.appLogFormats.length === 0 && declared.accessLogFormat === null) {
      notes.push(`${flags.gunicornConf}: no access_log_format, logconfig_dict formatter or logconfig ini formatter found: gunicorn's defaults apply`);
    }
  }
  for (const a of app) {
    const c = compilePythonLogFormat(a.format);
    if (isFormatProblem(c)) throw new UsageError(`${a.source} ${JSON.stringify(a.format)}: ${c.reason} (at character ${c.at + 1})`);
    notes.push(`app log format from ${a.source}: ${a.format}`);
  }
  if (access !== null) {
    const c = compileGunicornAccessFormat(access.format);
    if (isFormatProblem(c)) throw new UsageError(`${access.source} ${JSON.stringify(access.format)}: ${c.reason}`);
    notes.push(`gunicorn access_log_format from ${access.source}: ${access.format}${c.carries.length ? ` (carries ${c.carries.join(', ')})` : ''}`);
  }
  return { appLogFormats: [...new Set(app.map((a) => a.format))], gunicornAccessFormat: access?.format ?? null, notes };
}
