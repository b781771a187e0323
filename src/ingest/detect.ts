/**
 * Which layer wrote this file? Decided from content, as GoAccess does: the first lines are unwrapped
 * (container/journald prefixes) and matched against each source's line shapes, defined beside each
 * parser (parsers/<source>/shape.ts) so that detection and parsing agree. A file no shape fits is
 * reported as unknown, never guessed.
 */
import { unwrapLine } from '../../parsers/wrapper.js';
import { NGINX_ERROR_SHAPE } from '../../parsers/nginx-error/shape.js';
import { NGINX_ACCESS_TEXT_SHAPE, accessJsonScore } from '../../parsers/nginx-access/shape.js';
import { GUNICORN_ACCESS_SHAPE, GUNICORN_SHAPE } from '../../parsers/gunicorn/shape.js';
import { APP_MIDDLEWARE_SHAPE, appJsonScore } from '../../parsers/app/shape.js';

export type SourceType = 'nginx-access' | 'nginx-error' | 'gunicorn' | 'app';
export const SOURCE_TYPES: readonly SourceType[] = ['nginx-access', 'nginx-error', 'gunicorn', 'app'];

export interface Detection {
  readonly type: SourceType | null;
  /** nginx-access: 'json' for JSON lines; app: 'ndjson' or 'text' */
  readonly variant: 'json' | 'ndjson' | 'text' | null;
  /** Why: the signature counts, for the summary and for "cannot place" errors */
  readonly reason: string;
}

/** Every shape detection counts, each defined beside its parser. */
const SHAPES = {
  error: NGINX_ERROR_SHAPE,
  gunicorn: GUNICORN_SHAPE,
  middleware: APP_MIDDLEWARE_SHAPE,
  gunicornAccess: GUNICORN_ACCESS_SHAPE,
  access: NGINX_ACCESS_TEXT_SHAPE,
} as const;

export function detectSource(headLines: readonly string[]): Detection {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 200);
  if (lines.length === 0) return { type: null, variant: null, reason: 'the file is empty' };
  let access = 0, accessJson = 0, error = 0, gunicorn = 0, middleware = 0, appJson = 0, json = 0, gunicornAccess = 0;
  for (const raw of lines) {
    const line = unwrapLine(raw).inner;
    if (line.startsWith('{')) {
      json++;
      const keys = jsonKeys(line);
      if (keys) {
        const a = accessJsonScore(keys);
        const p = appJsonScore(keys);
        if (a >= 2 && a >= p) accessJson++;
        else if (p >= 2) appJson++;
      }
      continue;
    }
    if (SHAPES.error.test(line)) error++;
    else if (SHAPES.gunicorn.test(line)) gunicorn++;
    else if (SHAPES.middleware.test(line)) middleware++;
    else if (SHAPES.access.test(line)) {
      access++;
      if (SHAPES.gunicornAccess.test(line)) gunicornAccess++;
    }
  }
  const n = lines.length;
  const counts = `of the first ${n} lines: ${access} nginx access, ${accessJson} JSON access, ${error} nginx error, ${gunicorn} gunicorn/uvicorn, ${middleware} app middleware, ${appJson} app NDJSON`;
  // The sample decides, not each line: gunicorn's stderr carries the app's middleware lines and,
  // with --access-logfile -, gunicorn's own access lines, which have nginx's combined shape. Any
  // gunicorn line makes the stream gunicorn's, and its combined-shaped lines are gunicorn's access
  // records. Only nginx error lines outnumbering the rest say otherwise (a mixed stream).
  if (gunicorn > 0 && gunicorn + middleware + gunicornAccess >= error) {
    const shared = gunicornAccess > 0 ? `; the ${gunicornAccess} combined-shaped lines beside gunicorn's are its access log (--access-logfile)` : '';
    return { type: 'gunicorn', variant: null, reason: counts + shared };
  }
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
