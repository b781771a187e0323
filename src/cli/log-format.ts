/** --log-format / --log-format-name + --nginx-conf → the access format (its string and escape mode, one value). */
import { UsageError } from '../domain/errors.js';
import { parseAccessFormat, type AccessFormat } from '../ingest/access-format.js';

export interface LogFormatFlags {
  readonly logFormat?: string;
  readonly logFormatName?: string;
  readonly nginxConf?: string;
}

export async function resolveLogFormat(flags: LogFormatFlags): Promise<AccessFormat | null> {
  if (flags.logFormat !== undefined && flags.logFormatName !== undefined) {
    throw new UsageError('give either --log-format or --log-format-name, not both');
  }
  if (flags.logFormat !== undefined) {
    const f = parseAccessFormat(flags.logFormat);
    return { format: stripQuotes(f.format), escape: f.escape };
  }
  if (flags.logFormatName !== undefined) {
    if (flags.nginxConf === undefined) throw new UsageError('--log-format-name needs --nginx-conf <file> to read it from');
    const { findLogFormat } = await import('../nginx-conf/index.js');
    const found = findLogFormat(flags.nginxConf, flags.logFormatName);
    return { format: found.format, escape: found.escape };
  }
  return null;
}

/** A format pasted from nginx.conf keeps its quotes: 'a' 'b' → ab. */
function stripQuotes(format: string): string {
  const t = format.trim();
  if (/^'[^']*'(\s+'[^']*')*;?$/.test(t)) return [...t.matchAll(/'([^']*)'/g)].map((m) => m[1]).join('');
  return format;
}
