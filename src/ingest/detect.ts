/**
 * Which layer wrote this file? Decided from content, as GoAccess does: the first lines (already
 * unwrapped of their delivery wrapper under the reading being tried, src/ingest/choose-reading.ts) are
 * matched against each source's line shapes, defined beside each parser (parsers/<source>/shape.ts) so
 * that detection and parsing agree. A file no shape fits is reported as unknown, never guessed.
 */
import { unwrapLine } from '../../parsers/wrapper.js';
import { NGINX_ERROR_SHAPE } from '../../parsers/nginx-error/shape.js';
import { NGINX_ACCESS_CUSTOM_SHAPE, NGINX_ACCESS_TEXT_SHAPE, accessJsonScore } from '../../parsers/nginx-access/shape.js';
import { GUNICORN_ACCESS_SHAPE, GUNICORN_SHAPE, PYTHON_STREAM_SHAPE, timeWithoutZone } from '../../parsers/gunicorn/shape.js';
import { APP_MIDDLEWARE_SHAPE, appJsonScore } from '../../parsers/app/shape.js';
import { ALB_SHAPE, ELB_SHAPE, HAPROXY_SHAPE, isCloudflareEntry, isGcpLbEntry } from '../../parsers/load-balancer/shape.js';
import { parseJsonObject } from '../../parsers/json-object.js';

export type SourceType = 'nginx-access' | 'nginx-error' | 'gunicorn' | 'app' | LbSourceType;
/** The load balancer in front: each vendor's log is its own type, all stored in lb_access. */
export type LbSourceType = 'alb' | 'elb' | 'gcp-lb' | 'haproxy' | 'cloudflare';
export const LB_SOURCE_TYPES: readonly LbSourceType[] = ['alb', 'elb', 'gcp-lb', 'haproxy', 'cloudflare'];
export const SOURCE_TYPES: readonly SourceType[] = ['nginx-access', 'nginx-error', 'gunicorn', 'app', ...LB_SOURCE_TYPES];

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
  accessCustom: NGINX_ACCESS_CUSTOM_SHAPE,
  python: PYTHON_STREAM_SHAPE,
} as const;

export function detectSource(headLines: readonly string[]): Detection {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 200);
  if (lines.length === 0) return { type: null, variant: null, reason: 'the file is empty' };
  let access = 0, accessCustom = 0, accessJson = 0, error = 0, gunicorn = 0, middleware = 0, appJson = 0, json = 0, gunicornAccess = 0;
  let alb = 0, elb = 0, haproxy = 0, gcp = 0, cloudflare = 0;
  for (const line of lines) {
    if (ALB_SHAPE.test(line)) { alb++; continue; }
    if (ELB_SHAPE.test(line)) { elb++; continue; }
    // HAProxy logs through syslog only: its envelope (with the <PRI> a raw syslog socket keeps) is part of it.
    if (HAPROXY_SHAPE.test(unwrapLine(line.replace(/^<\d{1,3}>/, '')).inner)) { haproxy++; continue; }
    if (line.startsWith('{')) {
      json++;
      const keys = jsonKeys(line);
      if (keys && isGcpLbEntry(keys)) { gcp++; continue; }
      if (keys && isCloudflareEntry(keys)) { cloudflare++; continue; }
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
    // A Python process may log request lines too ("… INFO "GET / HTTP/1.1" 200"): its layout says so.
    else if (SHAPES.accessCustom.test(line) && !SHAPES.python.test(line)) accessCustom++;
  }
  const n = lines.length;
  const lb = alb + elb + haproxy + gcp + cloudflare;
  const counts = `of the first ${n} lines: ${access} nginx access, ` +
    (accessCustom > 0 ? `${accessCustom} nginx access in an unknown log_format, ` : '') + `${accessJson} JSON access, ${error} nginx error, ${gunicorn} gunicorn/uvicorn, ${middleware} app middleware, ${appJson} app NDJSON` +
    (lb > 0 ? `, ${alb} AWS ALB, ${elb} classic ELB, ${gcp} GCP LB, ${haproxy} HAProxy, ${cloudflare} Cloudflare` : '');
  // A load balancer's log is its own: a file where one vendor's lines are the majority is that LB's.
  const lbBest = ([['alb', alb], ['elb', elb], ['haproxy', haproxy], ['gcp-lb', gcp], ['cloudflare', cloudflare]] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
  if (lbBest[1] > 0 && lbBest[1] >= n * 0.5) return { type: lbBest[0], variant: null, reason: counts };
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
  // Request lines with a status but no preset's time: nginx's in a custom log_format. Said, not read:
  // choose-reading.ts asks for the log_format (a majority only, as no preset vouches for these lines).
  if (accessCustom > 0 && access + accessCustom >= n * 0.5 && accessCustom >= appJson) return { type: 'nginx-access', variant: null, reason: counts };
  if (appJson > 0 && appJson >= n * 0.3) return { type: 'app', variant: 'ndjson', reason: counts };
  if (middleware > 0) return { type: 'app', variant: 'text', reason: counts };
  if (access > 0) return { type: 'nginx-access', variant: null, reason: counts };
  return { type: null, variant: null, reason: counts };
}

function jsonKeys(line: string): Set<string> | null {
  const o = parseJsonObject(line);
  return o === null ? null : new Set(Object.keys(o));
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
    case 'alb': case 'elb': case 'gcp-lb': case 'cloudflare':
      return false; // ISO 8601 with Z, or epoch numbers
    case 'haproxy':
      return true; // HAProxy's date and syslog's are the host's local time
    case 'gunicorn':
      // gunicorn ≥19.1.1 prints "[2024-01-02 03:04:05 +0000]"; Python's asctime and gunicorn before do not.
      return headLines.some(timeWithoutZone);
  }
}
