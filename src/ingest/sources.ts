/**
 * Each source type → its parser, bound once per file, and the table its records go to. Adding a layer
 * (HAProxy, Caddy, a cloud load balancer) is one entry here, a parser folder and a table.
 */
import type { ParseResult } from '../../parsers/result.js';
import { createNginxAccessParser, createNginxJsonAccessParser } from '../../parsers/nginx-access/parse.js';
import { createNginxErrorParser } from '../../parsers/nginx-error/parse.js';
import { createGunicornParser } from '../../parsers/gunicorn/parse.js';
import { createAppNdjsonParser, createAppTextParser } from '../../parsers/app/parse.js';
import { createAlbParser } from '../../parsers/aws-alb/parse.js';
import { createElbParser } from '../../parsers/aws-elb/parse.js';
import { createGcpLbParser } from '../../parsers/gcp-lb/parse.js';
import { createHaproxyParser } from '../../parsers/haproxy/parse.js';
import { createCloudflareParser } from '../../parsers/cloudflare/parse.js';
import type { TableRecord } from '../store/writers.js';
import { compilePythonLogFormat, isFormatProblem } from '../../parsers/app/python-format.js';
import type { PythonLayout } from '../../parsers/app/python-logging.js';
import { compileGunicornAccessFormat, type CompiledAccessFormat } from '../../parsers/gunicorn/access-format.js';
import type { SourceType } from './detect.js';
import { serializeAccessFormat, type AccessFormat } from './access-format.js';
import { presetAccessFormat } from '../../parsers/nginx-access/presets.js';

export interface SourceParserOptions {
  readonly tz: string;
  readonly variant: 'json' | 'ndjson' | 'text' | null;
  /** nginx access format (log_format and escape mode); null for `combined` */
  readonly access: AccessFormat | null;
  /** The app's Python logging formats (--app-log-format, gunicorn's logconfig): app text and gunicorn streams */
  readonly appLogFormats?: readonly string[];
  /** gunicorn's access_log_format (--gunicorn-access-format, gunicorn.conf.py): gunicorn streams */
  readonly gunicornAccessFormat?: string | null;
}

/** Compiles declared formats once per file; they were validated where they were given (the CLI). */
function compileAppLayouts(formats: readonly string[] | undefined): PythonLayout[] {
  return (formats ?? []).map((f, i) => {
    const c = compilePythonLogFormat(f, { name: i === 0 ? 'custom' : `custom${i + 1}` });
    if (isFormatProblem(c)) throw new Error(`--app-log-format ${JSON.stringify(f)}: ${c.reason}`);
    return c.layout;
  });
}

function compileAccess(format: string | null | undefined): CompiledAccessFormat | null {
  if (format === null || format === undefined) return null;
  const c = compileGunicornAccessFormat(format);
  if (isFormatProblem(c)) throw new Error(`gunicorn access_log_format ${JSON.stringify(format)}: ${c.reason}`);
  return c;
}

export interface SourceParser {
  readonly type: SourceType;
  /** What files.format records: the access format (serializeAccessFormat), 'json', 'ndjson', 'text' or null */
  readonly format: string | null;
  parse(line: string): ParseResult<TableRecord>;
}

/** Re-tags a parser's records with their table, allocating only for records. */
function tagged<R>(parse: (line: string) => ParseResult<R>, table: TableRecord['table']): (line: string) => ParseResult<TableRecord> {
  return (line) => {
    const r = parse(line);
    if (r.kind !== 'record') return r;
    return { kind: 'record', pattern: r.pattern, record: { table, row: r.record } as TableRecord };
  };
}

export function createSourceParser(type: SourceType, o: SourceParserOptions): SourceParser {
  switch (type) {
    case 'nginx-access': {
      if (o.variant === 'json') {
        return { type, format: 'json', parse: tagged(createNginxJsonAccessParser({ tz: o.tz }), 'nginx_access') };
      }
      const access = o.access ?? presetAccessFormat('combined');
      return { type, format: serializeAccessFormat(access), parse: tagged(createNginxAccessParser({ tz: o.tz, format: access.format, escape: access.escape }), 'nginx_access') };
    }
    case 'nginx-error':
      return { type, format: null, parse: tagged(createNginxErrorParser({ tz: o.tz }), 'nginx_error') };
    case 'gunicorn': {
      const p = createGunicornParser({ tz: o.tz, appLayouts: compileAppLayouts(o.appLogFormats), accessFormat: compileAccess(o.gunicornAccessFormat) });
      return {
        type,
        format: null,
        parse(line) {
          const r = p(line);
          if (r.kind !== 'record') return r;
          const rec = r.record;
          return {
            kind: 'record',
            pattern: r.pattern,
            record: rec.table === 'server' ? { table: 'server_log', row: rec.row } : { table: 'app_requests', row: rec.row },
          };
        },
      };
    }
    case 'alb':
      return { type, format: null, parse: tagged(createAlbParser(), 'lb_access') };
    case 'elb':
      return { type, format: null, parse: tagged(createElbParser(), 'lb_access') };
    case 'gcp-lb':
      return { type, format: null, parse: tagged(createGcpLbParser(), 'lb_access') };
    case 'haproxy':
      return { type, format: null, parse: tagged(createHaproxyParser({ tz: o.tz }), 'lb_access') };
    case 'cloudflare':
      return { type, format: null, parse: tagged(createCloudflareParser(), 'lb_access') };
    case 'app':
      return o.variant === 'ndjson'
        ? { type, format: 'ndjson', parse: tagged(createAppNdjsonParser({ tz: o.tz }), 'app_requests') }
        : { type, format: 'text', parse: tagged(createAppTextParser({ tz: o.tz, appLayouts: compileAppLayouts(o.appLogFormats) }), 'app_requests') };
  }
}
