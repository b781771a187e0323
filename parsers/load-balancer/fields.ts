/**
 * Helpers the load balancer parsers share: quoted, space-separated fields (ALB/ELB), "ip:port"
 * pairs, absolute request URLs, and the vendors' "-" / "-1" for "none".
 */
import { secondsToDuration, type DurationMs } from '../../src/domain/units.js';
import { readIsoTime } from '../../src/domain/time.js';

/**
 * Splits an AWS-style line: fields separated by one space, a field in double quotes may hold spaces
 * (AWS escapes a quote inside as \"). Returns null when a quote is never closed.
 */
export function splitFields(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    if (line[i] === ' ') { i++; continue; }
    if (line[i] === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= n) return null;
        const c = line[j]!;
        if (c === '\\' && j + 1 < n) { s += line[j + 1]; j += 2; continue; }
        if (c === '"') break;
        s += c;
        j++;
      }
      out.push(s);
      i = j + 1;
    } else {
      let j = line.indexOf(' ', i);
      if (j < 0) j = n;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** "10.0.0.1:80" / "[2001:db8::1]:443" → address and port; "-" → nulls. */
export function splitHostPort(text: string | undefined): { addr: string | null; port: number | null } {
  if (text === undefined || text === '-' || text === '') return { addr: null, port: null };
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (!m) return { addr: text, port: null };
  return { addr: m[1]!, port: Number(m[2]) };
}

/** A status field: "-" or "0" (no answer) → null. */
export function statusOf(text: string | undefined): number | null {
  if (text === undefined || !/^\d{3}$/.test(text)) return null;
  const n = Number(text);
  return n === 0 ? null : n;
}

/** Seconds with decimals; AWS's "-1" (the LB never got that far) → null. */
export function secondsOrNull(text: string | undefined): DurationMs | null {
  if (text === undefined || text === '-' || text === '') return null;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) return null;
  return secondsToDuration(v);
}

export const dashNull = (text: string | undefined): string | null => (text === undefined || text === '-' || text === '' ? null : text);

export function intOrNull(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  return Number(text);
}

export interface RequestParts {
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly protocol: string | null;
}

/**
 * "GET http://www.example.com:80/a?b HTTP/1.1" (AWS logs the absolute URL) or "GET /a?b HTTP/1.1"
 * (HAProxy) → method, the URI as an origin-form path with its query (what nginx logs), path, protocol.
 * "- - - " (a connection closed before a request) → nulls.
 */
export function parseRequest(text: string | null): RequestParts {
  const none = { method: null, uri: null, path: null, protocol: null };
  if (text === null) return none;
  const m = /^(\S+) (\S+)(?: (\S+))?\s*$/.exec(text);
  if (!m || m[1] === '-') return none;
  const uri = originForm(m[2]!);
  const q = uri.indexOf('?');
  return { method: m[1]!, uri, path: q < 0 ? uri : uri.slice(0, q), protocol: m[3] && m[3] !== '-' ? m[3] : null };
}

/** "http://host:80/a?b" → "/a?b"; a URI already in origin form stays as it is. */
export function originForm(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (!m) return url;
  return m[1] === '' ? '/' : m[1]!.startsWith('?') ? '/' + m[1]! : m[1]!;
}

/** ISO 8601 with a Z or offset (AWS, GCP, Cloudflare) → epoch ms; anything else → null. */
export function isoToMs(text: string | null | undefined): number | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  // AWS's microseconds are cut to milliseconds, as every other layer stores them.
  return readIsoTime(text);
}
