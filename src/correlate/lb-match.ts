/**
 * The load balancer's requests against nginx's. Exactly where the logs allow: the AWS trace id
 * (`X-Amzn-Trace-Id`'s Root=, logged by nginx as $http_x_amzn_trace_id), a request id both logged,
 * or the LB's own source address (HAProxy %bi:%bp) against nginx's $remote_addr:$remote_port.
 * Otherwise by time, method and path as for the app: the LB logs when it finished, nginx when it
 * did, and a request nginx saw ends at or just before the LB's end (when the LB gave up first,
 * nginx logs 499 the moment the LB closes). The LB's clock against nginx's is estimated from the
 * exact matches (median), else as a whole-quarter-hour offset (a wrong --tz on HAProxy's log).
 * Pure: rows in, pairs out.
 */
import type { LbPassRow, NginxForLbRow } from './lb-rows.js';
import { median, skewFromCoincidence } from './skew.js';
import { pathKey } from './match.js';
import { WHOLE_SECOND_MS } from '../domain/time.js';

export type LbMatchMethod = 'trace_id' | 'request_id' | 'connection' | 'time_window';

export interface LbPair {
  readonly lb: LbPassRow;
  readonly nginx: NginxForLbRow | null;
  readonly method: LbMatchMethod | null;
}

export interface LbMatchResult {
  readonly pairs: LbPair[];
  /** LB clock − nginx clock, ms */
  readonly skewMs: number;
  readonly skewMethod: 'exact' | 'path_coincidence' | 'none';
}

/** A whole-second $time_local end sits anywhere in its second; the LB's may also trail nginx's by its own processing. */
const SLACK_MS = WHOLE_SECOND_MS;

/** "Self=1-…;Root=1-5833…;Parent=…" → "1-5833…" */
export function traceRoot(text: string | null): string | null {
  if (!text) return null;
  const m = /(?:^|;)\s*Root=([^;\s]+)/.exec(text);
  return m ? m[1]! : /^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(text) ? text : null;
}

/** The first address of an X-Forwarded-For list: the client as the LB saw it. */
const xffClients = (xff: string | null): string[] => (xff ? xff.split(',').map((s) => s.trim()).filter((s) => s !== '') : []);

export function matchLbToNginx(lbs: readonly LbPassRow[], ngx: readonly NginxForLbRow[]): LbMatchResult {
  const used = new Set<number>();
  const byTrace = new Map<string, NginxForLbRow>();
  const byRid = new Map<string, NginxForLbRow>();
  const byConn = new Map<string, NginxForLbRow[]>();
  for (const n of ngx) {
    const root = traceRoot(n.amzn_trace_id);
    if (root) byTrace.set(root, n);
    if (n.request_id) byRid.set(n.request_id, n);
    if (n.remote_addr && n.remote_port !== null && n.remote_port !== '') {
      const k = `${n.remote_addr}:${n.remote_port}`;
      let arr = byConn.get(k);
      if (!arr) byConn.set(k, (arr = []));
      arr.push(n);
    }
  }
  const exact = new Map<number, { n: NginxForLbRow; method: LbMatchMethod }>();
  const diffs: number[] = [];
  const take = (l: LbPassRow, n: NginxForLbRow, method: LbMatchMethod) => {
    used.add(n.id);
    exact.set(l.id, { n, method });
    diffs.push(l.time_ms - n.end_ms);
  };
  // Ids first, for every LB line: a connection or a time window must never take a line an id claims.
  for (const l of lbs) {
    const root = traceRoot(l.trace_id);
    const t = root ? byTrace.get(root) : undefined;
    if (t && !used.has(t.id)) { take(l, t, 'trace_id'); continue; }
    const r = l.request_id ? byRid.get(l.request_id) : undefined;
    if (r && !used.has(r.id)) take(l, r, 'request_id');
  }
  // When nginx logs the id the LB sent, an LB line whose id nginx never logged is a request nginx
  // never saw: no weaker join may pair it with another request's line.
  const tracesLogged = byTrace.size > 0;
  const idsLogged = byRid.size > 0;
  const settled = (l: LbPassRow) => exact.has(l.id) || (tracesLogged && traceRoot(l.trace_id) !== null) || (idsLogged && l.request_id !== null);
  for (const l of lbs) {
    if (settled(l) || !l.local_addr || l.local_port === null) continue;
    // One LB→nginx connection carries many requests (and its port is reused later): the one nginx
    // ended inside this LB request's span.
    const cands = byConn.get(`${l.local_addr}:${l.local_port}`) ?? [];
    const best = nearestUnused(cands, l.time_ms, used, spanOf(l));
    if (best) take(l, best, 'connection');
  }
  let skewMs = 0;
  let skewMethod: LbMatchResult['skewMethod'] = 'none';
  if (diffs.length >= 5) {
    skewMs = Math.round(median(diffs)!);
    skewMethod = 'exact';
  } else {
    const c = skewFromCoincidence(
      ngx.filter((n) => n.method && n.path).map((n) => ({ key: pathKey(n.method!, n.path!), time: n.end_ms })),
      lbs.filter((l) => l.method && l.path).slice(0, 2000).map((l) => ({ key: pathKey(l.method!, l.path!), time: l.time_ms })),
    );
    if (c) {
      skewMs = c.skewMs;
      skewMethod = 'path_coincidence';
    }
  }
  // By time: nginx candidates per method and path, in end order.
  const byKey = new Map<string, NginxForLbRow[]>();
  for (const n of ngx) {
    if (used.has(n.id) || !n.method || !n.path) continue;
    const k = pathKey(n.method, n.path);
    let arr = byKey.get(k);
    if (!arr) byKey.set(k, (arr = []));
    arr.push(n);
  }
  const pairs: LbPair[] = [];
  for (const l of lbs) {
    const e = exact.get(l.id);
    if (e) {
      pairs.push({ lb: l, nginx: e.n, method: e.method });
      continue;
    }
    if (settled(l)) {
      pairs.push({ lb: l, nginx: null, method: null });
      continue;
    }
    const cands = l.method && l.path ? byKey.get(pathKey(l.method, l.path)) ?? [] : [];
    const end = l.time_ms - skewMs;
    const start = (l.start_ms ?? (l.elapsed_ms !== null ? l.time_ms - l.elapsed_ms : l.time_ms)) - skewMs;
    const clients = l.client_addr;
    let best: NginxForLbRow | null = null;
    let bestScore = Infinity;
    for (let i = lowerBound(cands, start - SLACK_MS); i < cands.length && cands[i]!.end_ms <= end + SLACK_MS; i++) {
      const n = cands[i]!;
      if (used.has(n.id)) continue;
      if (n.start_ms !== null && n.start_ms < start - SLACK_MS) continue;
      // nginx's X-Forwarded-For names the client the LB saw; a list that does not is another request.
      const xff = xffClients(n.forwarded_for);
      if (clients && xff.length > 0 && !xff.includes(clients)) continue;
      const score = Math.abs(end - n.end_ms) + (n.start_ms !== null ? Math.abs(n.start_ms - start) : 0);
      if (score < bestScore) { best = n; bestScore = score; }
    }
    if (best) {
      used.add(best.id);
      pairs.push({ lb: l, nginx: best, method: 'time_window' });
    } else {
      pairs.push({ lb: l, nginx: null, method: null });
    }
  }
  return { pairs, skewMs, skewMethod };
}

function lowerBound(arr: readonly NginxForLbRow[], t: number): number {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]!.end_ms < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The LB request's span on its own clock, widened by a second either way (whole-second nginx times). */
function spanOf(l: LbPassRow): { from: number; to: number } {
  const start = l.start_ms ?? (l.elapsed_ms !== null ? l.time_ms - l.elapsed_ms : l.time_ms);
  return { from: start - SLACK_MS, to: l.time_ms + SLACK_MS };
}

function nearestUnused(cands: readonly NginxForLbRow[], t: number, used: ReadonlySet<number>, span: { from: number; to: number }): NginxForLbRow | null {
  let best: NginxForLbRow | null = null;
  for (const n of cands) {
    if (used.has(n.id) || n.end_ms < span.from || n.end_ms > span.to) continue;
    if (!best || Math.abs(n.end_ms - t) < Math.abs(best.end_ms - t)) best = n;
  }
  return best;
}
