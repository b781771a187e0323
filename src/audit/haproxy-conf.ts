/**
 * haproxy.cfg's clocks: `timeout client/server/connect/http-request/http-keep-alive/tunnel/queue`
 * per section (defaults, frontend, backend, listen), each cited file:line. A frontend or backend
 * takes what it does not set from the last `defaults` section above it (named defaults via `from`
 * are followed), as HAProxy does. HAProxy times are milliseconds unless a unit says otherwise.
 * https://docs.haproxy.org/2.6/configuration.html#2.5
 */
import { readFileSync } from 'node:fs';
import type { Setting } from '../nginx-conf/model.js';

export const HAPROXY_TIMEOUTS = ['client', 'server', 'connect', 'http-request', 'http-keep-alive', 'tunnel', 'queue', 'client-fin', 'server-fin'] as const;
export type HaproxyTimeout = (typeof HAPROXY_TIMEOUTS)[number];

export interface HaproxySection {
  readonly kind: 'defaults' | 'frontend' | 'backend' | 'listen';
  readonly name: string;
  readonly line: number;
  /** Effective: set here, or inherited from its defaults section */
  readonly timeouts: Partial<Record<HaproxyTimeout, Setting>>;
  /** `pool-purge-delay` of the backend's servers (idle connections toward them are kept up to this) */
  readonly poolPurgeDelay: Setting | null;
}

export interface HaproxyConf {
  readonly file: string;
  readonly sections: readonly HaproxySection[];
  readonly notes: readonly string[];
}

const UNITS: Readonly<Record<string, number>> = { us: 0.000001, ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "30s" / "5000" (ms) / "1m" → seconds, or null. */
export function parseHaproxyTime(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}

export function readHaproxyConf(path: string): { ok: true; value: HaproxyConf } | { ok: false; reason: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, reason: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  return { ok: true, value: parseHaproxyConf(text, path) };
}

export function parseHaproxyConf(text: string, file: string): HaproxyConf {
  interface Raw { kind: HaproxySection['kind']; name: string; line: number; from: string | null; own: Partial<Record<HaproxyTimeout, Setting>>; purge: Setting | null; defaultsIndex: number }
  const raws: Raw[] = [];
  const notes: string[] = [];
  let current: Raw | null = null;
  let lastDefaults = -1;
  text.split('\n').forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const words = line.split(/\s+/);
    const head = words[0]!;
    if (head === 'global' || head === 'userlist' || head === 'peers' || head === 'resolvers' || head === 'mailers' || head === 'program' || head === 'http-errors' || head === 'ring' || head === 'cache') {
      current = null;
      return;
    }
    if (head === 'defaults' || head === 'frontend' || head === 'backend' || head === 'listen') {
      const fromAt = words.indexOf('from');
      current = {
        kind: head, name: words[1] && words[1] !== 'from' ? words[1] : '', line: lineNo,
        from: fromAt >= 0 ? words[fromAt + 1] ?? null : null, own: {}, purge: null, defaultsIndex: lastDefaults,
      };
      raws.push(current);
      if (head === 'defaults') lastDefaults = raws.length - 1;
      return;
    }
    const sec = current as Raw | null;
    if (!sec) return;
    if (head === 'timeout' && words.length >= 3) {
      const name = words[1] as HaproxyTimeout;
      if (!(HAPROXY_TIMEOUTS as readonly string[]).includes(name)) return;
      const seconds = parseHaproxyTime(words[2]!);
      if (seconds === null) notes.push(`${file}:${lineNo}: timeout ${name} "${words[2]}" is not an HAProxy time (number, unit us/ms/s/m/h/d; no unit = ms)`);
      sec.own[name] = { value: `timeout ${name} ${words[2]}`, seconds, source: `${file}:${lineNo}` };
    } else if ((head === 'server' || head === 'default-server') && words.includes('pool-purge-delay')) {
      const v = words[words.indexOf('pool-purge-delay') + 1] ?? '';
      sec.purge = { value: `pool-purge-delay ${v}`, seconds: parseHaproxyTime(v), source: `${file}:${lineNo}` };
    }
  });
  const byName = new Map(raws.filter((r) => r.kind === 'defaults' && r.name !== '').map((r) => [r.name, r]));
  const sections = raws.map((r): HaproxySection => {
    const parent = r.kind === 'defaults' ? (r.from ? byName.get(r.from) : undefined) : r.from ? byName.get(r.from) : raws[r.defaultsIndex];
    const inherited = parent ? { ...(parent.from ? byName.get(parent.from)?.own : {}), ...parent.own } : {};
    return { kind: r.kind, name: r.name, line: r.line, timeouts: { ...inherited, ...r.own }, poolPurgeDelay: r.purge ?? parent?.purge ?? null };
  });
  return { file, sections, notes };
}

/** HAProxy's default `pool-purge-delay`: idle server connections are closed after up to this. */
export const HAPROXY_DEFAULT_POOL_PURGE_S = 5;

/**
 * The two clocks the chain compares with nginx's: how long HAProxy waits for nginx's answer (the
 * shortest effective `timeout server` of a backend or listen section), and how long it keeps an idle
 * connection to nginx for reuse (`pool-purge-delay`, 5 s by default).
 */
export function haproxyEdges(conf: HaproxyConf): { wait: Setting | null; keepIdle: Setting; notes: string[] } {
  const notes: string[] = [];
  let wait: Setting | null = null;
  let keep: Setting | null = null;
  for (const s of conf.sections) {
    if (s.kind !== 'backend' && s.kind !== 'listen') continue;
    const t = s.timeouts.server;
    const ts = Object.entries(s.timeouts).map(([k, v]) => `${k} ${v!.value.split(' ').pop()}`).join(', ');
    notes.push(`haproxy ${s.kind} ${s.name} (${conf.file}:${s.line}): ${ts || 'no timeout set'}`);
    if (!t) notes.push(`haproxy ${s.kind} ${s.name}: no timeout server: HAProxy waits for nginx forever (it warns at start)`);
    else if (t.seconds !== null && (wait === null || wait.seconds === null || t.seconds < wait.seconds)) wait = { ...t, value: `${t.value} (${s.kind} ${s.name})` };
    if (s.poolPurgeDelay && s.poolPurgeDelay.seconds !== null && (keep === null || (keep.seconds ?? 0) < s.poolPurgeDelay.seconds)) keep = s.poolPurgeDelay;
  }
  return { wait, keepIdle: keep ?? { value: `pool-purge-delay ${HAPROXY_DEFAULT_POOL_PURGE_S}s`, seconds: HAPROXY_DEFAULT_POOL_PURGE_S, source: 'default (HAProxy pool-purge-delay)' }, notes: [...conf.notes, ...notes] };
}

/** Cloud load balancers' default idle/backend timeouts, for `--lb-provider` without `--lb-idle-timeout`. */
export const LB_PROVIDER_DEFAULTS = {
  alb: { seconds: 60, what: 'AWS ALB idle timeout (idle_timeout.timeout_seconds)' },
  elb: { seconds: 60, what: 'AWS classic ELB idle timeout (ConnectionSettings.IdleTimeout)' },
  gcp: { seconds: 30, what: 'GCP backend service timeout (timeoutSec)' },
  cloudflare: { seconds: 100, what: 'Cloudflare proxy read timeout' },
} as const;
export type LbProvider = keyof typeof LB_PROVIDER_DEFAULTS | 'haproxy';
export const LB_PROVIDERS: readonly LbProvider[] = ['alb', 'elb', 'gcp', 'cloudflare', 'haproxy'];
