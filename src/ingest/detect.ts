/**
 * Which layer wrote this file? Decided from content, as GoAccess does: the first lines are unwrapped
 * (container/journald prefixes) and matched against each source's signature. A file no signature
 * fits is reported as unknown, never guessed.
 */
import { unwrapLine } from '../../parsers/wrapper.js';

export type SourceType = 'nginx-access' | 'nginx-error' | 'gunicorn' | 'app';
export const SOURCE_TYPES: readonly SourceType[] = ['nginx-access', 'nginx-error', 'gunicorn', 'app'];

export interface Detection {
  readonly type: SourceType | null;
  /** nginx-access: 'json' for JSON lines; app: 'ndjson' or 'text' */
  readonly variant: 'json' | 'ndjson' | 'text' | null;
  /** Why: the signature counts, for the summary and for "cannot place" errors */
  readonly reason: string;
}

// nginx's $time_local inside brackets, after at least an address field: combined, main, common, and
// most custom formats keep it.
const NGINX_ACCESS_TEXT = /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/;
const NGINX_ERROR = /^(?:\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(?:debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+:|nginx: \[(?:emerg|alert|crit|error|warn|notice)\] )/;
const GUNICORN = /^(?:\[\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?[+-]\d{2}:?\d{2}| UTC)?\] \[\d+\] \[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\]|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[\d+\] \[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\]|(?:INFO|WARNING|ERROR|DEBUG|CRITICAL|TRACE):\s+(?:Started server process|Waiting for application|Application startup|Uvicorn running|Shutting down|Finished server process|\S+:\d+ - "))/;
const MIDDLEWARE = /(?:Slow request: \d+(?:\.\d+)?s [A-Z]+ \/|Request failed after \d+(?:\.\d+)?s: [A-Z]+ \/)/;
const ACCESS_JSON_KEYS = ['remote_addr', 'time_local', 'time_iso8601', 'msec', 'request', 'request_time', 'upstream_status', 'body_bytes_sent', 'http_user_agent'];
const APP_JSON_KEYS = ['elapsed', 'elapsed_ms', 'elapsed_s', 'duration', 'duration_ms', 'duration_s', 'latency', 'path', 'route', 'request_id', 'requestId', 'status_code', 'method'];

export function detectSource(headLines: readonly string[]): Detection {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 200);
  if (lines.length === 0) return { type: null, variant: null, reason: 'the file is empty' };
  let access = 0, accessJson = 0, error = 0, gunicorn = 0, middleware = 0, appJson = 0, json = 0;
  for (const raw of lines) {
    const line = unwrapLine(raw).inner;
    if (line.startsWith('{')) {
      json++;
      const keys = jsonKeys(line);
      if (keys) {
        const a = ACCESS_JSON_KEYS.filter((k) => keys.has(k)).length;
        const p = APP_JSON_KEYS.filter((k) => keys.has(k)).length;
        if (a >= 2 && a >= p) accessJson++;
        else if (p >= 2) appJson++;
      }
      continue;
    }
    if (NGINX_ERROR.test(line)) error++;
    else if (GUNICORN.test(line)) gunicorn++;
    else if (MIDDLEWARE.test(line)) middleware++;
    else if (NGINX_ACCESS_TEXT.test(line)) access++;
  }
  const n = lines.length;
  const counts = `of the first ${n} lines: ${access} nginx access, ${accessJson} JSON access, ${error} nginx error, ${gunicorn} gunicorn/uvicorn, ${middleware} app middleware, ${appJson} app NDJSON`;
  // gunicorn's stderr carries the app's middleware lines too: any gunicorn line makes it gunicorn's.
  if (gunicorn > 0 && gunicorn + middleware >= error && gunicorn + middleware >= access) return { type: 'gunicorn', variant: null, reason: counts };
  if (error > 0 && error >= access && error >= json) return { type: 'nginx-error', variant: null, reason: counts };
  if (access > 0 && access >= n * 0.5) return { type: 'nginx-access', variant: null, reason: counts };
  if (accessJson > 0 && accessJson >= appJson && accessJson >= n * 0.5) return { type: 'nginx-access', variant: 'json', reason: counts };
  if (appJson > 0 && appJson >= n * 0.3) return { type: 'app', variant: 'ndjson', reason: counts };
  if (middleware > 0) return { type: 'app', variant: 'text', reason: counts };
  if (access > 0) return { type: 'nginx-access', variant: null, reason: counts };
  return { type: null, variant: null, reason: counts };
}

function jsonKeys(line: string): Set<string> | null {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? new Set(Object.keys(v)) : null;
  } catch {
    return null;
  }
}

/** Does this file print wall-clock times without an offset, so that `--tz` decides what they mean? */
export function needsZone(type: SourceType, variant: Detection['variant'], headLines: readonly string[]): boolean {
  switch (type) {
    case 'nginx-access':
      return false; // $time_local, $time_iso8601 and $msec all carry their zone
    case 'nginx-error':
      return true;
    case 'app':
      return variant !== 'ndjson';
    case 'gunicorn':
      // gunicorn ≥19 prints "[2024-01-02 03:04:05 +0000]"; Python's asctime and gunicorn 0.x do not.
      return headLines.some((l) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(unwrapLine(l).inner) || /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\]/.test(unwrapLine(l).inner));
  }
}
