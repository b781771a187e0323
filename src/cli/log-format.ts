/** --log-format / --log-format-name + --nginx-conf → the format string and its escape mode. */
import { UsageError } from '../errors.js';

export interface LogFormatFlags {
  readonly logFormat?: string;
  readonly logFormatName?: string;
  readonly nginxConf?: string;
}

export interface ResolvedLogFormat {
  readonly format: string;
  readonly escape: 'default' | 'json' | 'none';
}

const ESCAPE_PREFIX = /^\s*escape=(default|json|none)\s+/;

export async function resolveLogFormat(flags: LogFormatFlags): Promise<ResolvedLogFormat | null> {
  if (flags.logFormat !== undefined && flags.logFormatName !== undefined) {
    throw new UsageError('give either --log-format or --log-format-name, not both');
  }
  if (flags.logFormat !== undefined) {
    const m = ESCAPE_PREFIX.exec(flags.logFormat);
    const format = m ? flags.logFormat.slice(m[0].length) : flags.logFormat;
    return { format: stripQuotes(format), escape: (m?.[1] as ResolvedLogFormat['escape']) ?? 'default' };
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
