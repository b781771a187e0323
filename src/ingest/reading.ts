/**
 * How one file is read: the delivery wrappers taken off each line (none, docker, journald, compose …),
 * the layer each stream name feeds, and how each layer's lines are parsed. Decided once per file from
 * its first lines by trying every reading and keeping the one under which they parse (so a wrapper
 * never takes a field the file's own format owns), stored in `files.format`, and read back on resume.
 */
import type { WrapperId } from '../../parsers/delivery/wrappers.js';
import { WRAPPER_BY_ID } from '../../parsers/delivery/wrappers.js';
import { LB_SOURCE_TYPES, SOURCE_TYPES, type LbSourceType, type SourceType } from './detect.js';
import { parseAccessFormat, serializeAccessFormat, type AccessFormat } from './access-format.js';
import { presetAccessFormat } from '../../parsers/nginx-access/presets.js';

/**
 * What a stream name can feed: nginx (access and error lines, told apart per line), gunicorn's stderr
 * (its own, uvicorn's and the app's lines), the app's own log, or one load balancer's log.
 */
export type LayerGroup = 'nginx' | 'gunicorn' | 'app' | LbSourceType;
export const LAYER_GROUPS: readonly LayerGroup[] = ['nginx', 'gunicorn', 'app', ...LB_SOURCE_TYPES];

export const groupOf = (t: SourceType): LayerGroup => (t === 'nginx-access' || t === 'nginx-error' ? 'nginx' : t);

/** The layer of a group's lines that are not told apart by shape (nginx's are: access or error). */
export const layerOfGroup = (g: LayerGroup): SourceType => (g === 'nginx' ? 'nginx-access' : g);

export interface FileReading {
  /** Wrappers taken off each line, outside in; empty: the lines are read as they are. */
  readonly chain: readonly WrapperId[];
  /** The layer of lines that carry no stream name (or a name no rule places). */
  readonly main: SourceType;
  /** How nginx access lines are read: a text format, or 'json' (keys recognised). */
  readonly access: AccessFormat | 'json' | null;
  readonly app: 'ndjson' | 'text';
  /** Stream name (compose service, container, unit, pod/container) → the layer it feeds. */
  readonly names: Readonly<Record<string, LayerGroup>>;
  /** Declared Python formats of app text and gunicorn lines (--app-log-format, --gunicorn-access-format, --gunicorn-conf) */
  readonly python?: PythonFormats | null;
}

/** The app's logging formats and gunicorn's access_log_format a file is read with. */
export interface PythonFormats {
  readonly app_log_formats: readonly string[];
  readonly access_log_format: string | null;
}

const hasPython = (r: FileReading): boolean => r.python != null && (r.python.app_log_formats.length > 0 || r.python.access_log_format !== null);

/** A reading with no wrapper and one layer stores what it always stored, so older databases resume as before. */
export function isPlainReading(r: FileReading): boolean {
  return r.chain.length === 0 && Object.keys(r.names).length === 0 && !hasPython(r);
}

const MARK = 'droptrace-reading:';

/**
 * `files.format` of a file read this way. Plain readings keep the old values (the access format,
 * 'json', 'ndjson', 'text', or null); any other is a tagged JSON document.
 */
export function serializeReading(r: FileReading): string | null {
  if (isPlainReading(r)) {
    switch (r.main) {
      case 'nginx-access': return r.access === 'json' ? 'json' : serializeAccessFormat(r.access ?? presetAccessFormat('combined'));
      case 'app': return r.app;
      default: return null;
    }
  }
  const access = r.access === null || r.access === 'json' ? r.access : serializeAccessFormat(r.access);
  return MARK + JSON.stringify({ chain: r.chain, main: r.main, access, app: r.app, names: r.names, ...(hasPython(r) ? { python: r.python } : {}) });
}

/** The reading a stored file was read with: `files.type` and `files.format` back to a FileReading. */
export function readingFromRow(type: string, format: string | null): FileReading {
  if (format !== null && format.startsWith(MARK)) {
    const o = JSON.parse(format.slice(MARK.length)) as {
      chain: string[]; main: string; access: string | null; app: string; names: Record<string, string>; python?: PythonFormats;
    };
    const chain = o.chain.filter((c): c is WrapperId => c in WRAPPER_BY_ID);
    const names: Record<string, LayerGroup> = {};
    for (const [k, v] of Object.entries(o.names)) if ((LAYER_GROUPS as string[]).includes(v)) names[k] = v as LayerGroup;
    return {
      chain,
      main: asSourceType(o.main),
      access: o.access === null ? null : o.access === 'json' ? 'json' : parseAccessFormat(o.access),
      app: o.app === 'ndjson' ? 'ndjson' : 'text',
      names,
      python: o.python ?? null,
    };
  }
  const main = asSourceType(type);
  return {
    chain: [],
    main,
    access: main !== 'nginx-access' ? null : format === 'json' ? 'json' : format === null ? null : parseAccessFormat(format),
    app: format === 'ndjson' ? 'ndjson' : 'text',
    names: {},
  };
}

function asSourceType(t: string): SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(t) ? (t as SourceType) : 'gunicorn';
}

/** `--layer-of 'proxy_1=nginx,api=gunicorn'` → rules; a usage error names the bad part. */
export function parseLayerOf(text: string): Record<string, LayerGroup> | string {
  const out: Record<string, LayerGroup> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return `"${part}" is not NAME=LAYER`;
    const name = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    const group = v === 'uvicorn' ? 'gunicorn' : (SOURCE_TYPES as readonly string[]).includes(v) ? groupOf(v as SourceType) : v;
    if (!(LAYER_GROUPS as readonly string[]).includes(group)) return `"${v}" in "${part}" is not a layer (${['nginx', 'gunicorn', 'uvicorn', 'app', ...LB_SOURCE_TYPES].join(', ')})`;
    out[name] = group as LayerGroup;
  }
  return out;
}

/**
 * The rule for a stream name: the name itself, or a rule's name as one part of it — `api` places
 * compose's `api-1`, `api_1`, `myproject-api-1` and kubectl's `pod/api-7d9c4/api`.
 */
export function layerOfName(name: string, rules: Readonly<Record<string, LayerGroup>>): LayerGroup | null {
  const exact = rules[name];
  if (exact !== undefined) return exact;
  const parts = name.split(/[/_.-]/);
  for (const [rule, group] of Object.entries(rules)) {
    if (name.startsWith(`${rule}-`) || name.startsWith(`${rule}_`) || name.includes(`/${rule}`) || name.includes(`-${rule}-`) || parts.includes(rule)) return group;
  }
  return null;
}
