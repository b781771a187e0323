/**
 * Which configured clock explains the measured drop: every clock that bounds one slow response,
 * within precision + 1 s of the drop; of those only the ones consistent with how the response failed
 * when there are any (a 504 is nginx's own answer; a 502 after a wait is a worker killed under it; a
 * client timeout is ours), nearest first.
 * Idle/keep-alive timers are not candidates: they close idle connections, not slow responses.
 *
 * gunicorn's `timeout` is not a sharp clock. The arbiter kills a worker whose heartbeat is older
 * than `timeout`, checking about once a second; a sync worker heartbeats just before it takes a
 * request (kill at timeout..timeout+1 s), but an async worker heartbeats on its own schedule: gunicorn
 * hands workers timeout/2, and UvicornWorker notifies only when more than that has passed, checked
 * once a second. A loop that blocks right before its next heartbeat is killed after about timeout/2−1
 * seconds; measured on gunicorn 20.1 + uvicorn 0.17 with --timeout 5: kills after 2.6 s and 5.x s.
 */
import { selectLocation } from '../nginx-conf/location-match.js';
import type { AuditOutcome } from '../audit/audit.js';
import type { ChainValue, Layer } from '../audit/types.js';
import { appValues } from '../audit/chain.js';
import type { FailureKind } from './search.js';
import type { WorkerModel } from '../audit/app-server/resolve.js';

export interface ProbeMatch {
  readonly layer: Layer;
  readonly setting: string;
  readonly value_s: number;
  readonly source: string;
}

/** (layer, setting) pairs that can end a single slow response, with the failures each one produces. */
const RESPONSE_CLOCKS: readonly { readonly layer: Layer; readonly setting: string; readonly shows: readonly string[] }[] = [
  { layer: 'nginx', setting: 'proxy_read_timeout', shows: ['http_504'] },
  { layer: 'nginx', setting: 'proxy_next_upstream_timeout', shows: ['http_504', 'http_502'] },
  { layer: 'gunicorn', setting: 'timeout', shows: ['http_502', 'reset'] },
  { layer: 'lb', setting: 'idle timeout', shows: ['http_504', 'http_502', 'reset'] },
  { layer: 'client', setting: 'timeout', shows: ['client_timeout'] },
];

export function findMatches(
  audit: Extract<AuditOutcome, { ok: true }>,
  url: string,
  dropS: number,
  failure: FailureKind | null,
  precision: number,
  extra: readonly ChainValue[],
): ProbeMatch[] {
  const values: ChainValue[] = [...extra];
  const u = safeUrl(url);
  const path = u ? decodeURIComponent(u.pathname) : '/';
  const port = u ? u.port || (u.protocol === 'https:' ? '443' : '80') : '';
  const servers = audit.model?.servers ?? [];
  // Prefer the servers listening on the URL's port; a probe through an LB or port-forward may not match any.
  const byPort = servers.filter((s) => s.listen.some((l) => new RegExp(`(^|:)${port}(\\s|$)`).test(l)));
  for (const srv of byPort.length > 0 ? byPort : servers) {
    const loc = selectLocation(srv.locations, path);
    const link = loc ? audit.links.find((l) => l.location === loc) : undefined;
    if (link) values.push(...link.link.values);
  }
  if (audit.app && !values.some((v) => v.layer === audit.app?.kind)) values.push(...appValues(audit.app));

  const seen = new Set<string>();
  const out: (ProbeMatch & { consistent: boolean; distance: number })[] = [];
  for (const v of values) {
    const clock = RESPONSE_CLOCKS.find((c) => c.layer === v.layer && c.setting === v.setting);
    if (!clock || v.value_s === null || v.value_s === 0) continue;
    const [from, to] = window(v, audit.app?.model ?? null, precision);
    if (dropS < from || dropS > to) continue;
    const distance = Math.abs(v.value_s - dropS);
    const key = `${v.layer}|${v.setting}|${v.value_s}|${v.source}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ layer: v.layer, setting: v.setting, value_s: v.value_s, source: v.source, consistent: failure !== null && clock.shows.includes(failure), distance });
  }
  // A clock that cannot produce this failure (gunicorn's timeout for a 504) is named only when nothing else fits.
  const consistent = out.filter((m) => m.consistent);
  const chosen = consistent.length > 0 ? consistent : out;
  chosen.sort((a, b) => a.distance - b.distance);
  return chosen.map(({ layer, setting, value_s, source }) => ({ layer, setting, value_s, source }));
}

/** The drop times [from, to] this clock can explain. */
function window(v: ChainValue, model: WorkerModel | null, precision: number): [number, number] {
  const t = v.value_s as number;
  const slack = precision + 1;
  if (v.layer === 'gunicorn' && v.setting === 'timeout') {
    return model === 'sync' ? [t - slack, t + 1 + slack] : [t / 2 - 1 - slack, t + 1 + slack];
  }
  return [t - slack, t + slack];
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url.split('{s}').join('1'));
  } catch {
    return undefined;
  }
}
