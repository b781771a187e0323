/**
 * The report's sections that are tallies over the requests: totals, endpoints, timeout
 * fingerprints and their histogram, wasted work, keep-alive races, verdicts over time. Each is fed
 * one row at a time (model.ts streams the window once) and keeps memory bounded by what it reports,
 * never by how many requests there were. No SQL here; tests feed them rows.
 */
import { lbSignal, LB_VENDOR } from '../domain/lb-signal.js';
import { VERDICTS, FLAGS, type Verdict } from '../domain/verdicts.js';
import { STALL_SUPPORT, type VerdictEvidence } from '../domain/evidence.js';
import type { ReportPassRow, ReportRequestRow } from '../store/sql/report-requests.js';
import { DurationBins, clusterBins, histogramOf, inCluster, nameKnob, type Cluster } from './fingerprints.js';
import { durationMs, endpointOf, refOf } from './refs.js';
import type { RequestRef, Totals, EndpointStat, Fingerprint, Histogram, WastedWork, OverTime } from './types.js';
import { isoUtc, msToSeconds, secondsToMs, roundToMs } from '../domain/units.js';

export const FAILED = new Set<string>(VERDICTS.filter((v) => v.failed).map((v) => v.id));
const LAYER = new Map<string, string>(VERDICTS.map((v) => [v.id, v.layer]));

export class TotalsTally {
  private n = 0;
  private failed = 0;
  private readonly byVerdict = new Map<string, number>();
  private readonly byFlag = new Map<string, number>();
  private readonly levels = new Map<string, { exact: number; inferred: number; cannot_tell: number; unknown: number }>();
  private readonly flagLevels = new Map<string, { exact: number; inferred: number; cannot_tell: number; unknown: number }>();

  add(r: ReportPassRow): void {
    this.n++;
    this.byVerdict.set(r.verdict, (this.byVerdict.get(r.verdict) ?? 0) + 1);
    let l = this.levels.get(r.verdict);
    if (l === undefined) this.levels.set(r.verdict, (l = { exact: 0, inferred: 0, cannot_tell: 0, unknown: 0 }));
    const level = r.evidence_level;
    if (level === 'exact' || level === 'inferred' || level === 'cannot_tell') l[level]++;
    else l.unknown++;
    if (FAILED.has(r.verdict)) this.failed++;
    let flags: VerdictEvidence['flags'] | null | undefined;
    for (const f of FLAGS) {
      if (r[f.id] !== 1) continue;
      this.byFlag.set(f.id, (this.byFlag.get(f.id) ?? 0) + 1);
      // Only flagged requests carry their evidence into the pass: a few, parsed once each.
      if (flags === undefined) flags = r.evidence ? (JSON.parse(r.evidence) as VerdictEvidence).flags : null;
      // The stall pass runs after classification: its flag is inferred by its window rule.
      const level = flags?.[f.id]?.level ?? (f.id === 'stalled' && r.evidence ? STALL_SUPPORT.level : 'unknown');
      let l = this.flagLevels.get(f.id);
      if (l === undefined) this.flagLevels.set(f.id, (l = { exact: 0, inferred: 0, cannot_tell: 0, unknown: 0 }));
      l[level]++;
    }
  }

  result(): Totals {
    const n = this.n;
    const share = (c: number) => (n === 0 ? 0 : c / n);
    const silent = this.byFlag.get('silent') ?? 0;
    return {
      requests: n, failed: this.failed, silent, silent_rate: share(silent), failed_rate: share(this.failed),
      verdicts: VERDICTS.map((v) => ({
        id: v.id, failed: v.failed, layer: v.layer, count: this.byVerdict.get(v.id) ?? 0, share: share(this.byVerdict.get(v.id) ?? 0),
        evidence: this.levels.get(v.id) ?? { exact: 0, inferred: 0, cannot_tell: 0, unknown: 0 },
      })),
      flags: FLAGS.map((f) => ({
        id: f.id, count: this.byFlag.get(f.id) ?? 0, share: share(this.byFlag.get(f.id) ?? 0),
        evidence: this.flagLevels.get(f.id) ?? { exact: 0, inferred: 0, cannot_tell: 0, unknown: 0 },
      })),
    };
  }
}

/** The counts `--fail-on` rules read: verdicts, flags, `failed` and `requests`. */
export function ruleCounts(t: Totals): Record<string, number> {
  const out: Record<string, number> = { failed: t.failed, requests: t.requests };
  for (const v of t.verdicts) out[v.id] = v.count;
  for (const f of t.flags) out[f.id] = f.count;
  return out;
}

/**
 * Distinct endpoints kept before the rest are pooled: paths whose segments are not ids (a scanner
 * probing random names) would otherwise grow the table with the input.
 */
const ENDPOINT_CAP = 20_000;
export const OTHER_ENDPOINTS = '(other endpoints)';

interface EndpointAcc { requests: number; failed: number; silent: number; wasted: number; verdicts: Record<string, number>; example: RequestRef | null }

/** Endpoints ranked by harm (failed + wasted work), then by requests; only those with harm. */
export class EndpointTally {
  private readonly acc = new Map<string, EndpointAcc>();

  add(r: ReportPassRow): void {
    let key = endpointOf(r);
    let e = this.acc.get(key);
    if (e === undefined) {
      if (this.acc.size >= ENDPOINT_CAP) key = OTHER_ENDPOINTS;
      e = this.acc.get(key) ?? { requests: 0, failed: 0, silent: 0, wasted: 0, verdicts: {}, example: null };
      this.acc.set(key, e);
    }
    e.requests++;
    e.verdicts[r.verdict] = (e.verdicts[r.verdict] ?? 0) + 1;
    const failed = FAILED.has(r.verdict);
    if (failed) e.failed++;
    if (r.silent === 1) e.silent++;
    if (r.wasted_work === 1) e.wasted++;
    if ((failed || r.wasted_work === 1) && e.example === null) e.example = refOf(r);
  }

  result(limit = 20): EndpointStat[] {
    return [...this.acc.entries()]
      .map(([endpoint, e]) => ({
        endpoint, requests: e.requests, failed: e.failed, silent: e.silent, wasted: e.wasted, harm: e.failed + e.wasted,
        verdicts: e.verdicts, example: e.example,
      }))
      .filter((e) => e.harm > 0)
      .sort((a, b) => b.harm - a.harm || b.requests - a.requests || a.endpoint.localeCompare(b.endpoint))
      .slice(0, limit);
  }
}

/** Distinct user agents counted per pile before the rest are pooled (they are attacker-controlled). */
const AGENT_CAP = 1_000;
const OTHER_AGENTS = '(other agents)';

interface PileAcc { readonly cluster: Cluster; readonly examples: RequestRef[]; readonly agents: Map<string, number>; lbClientClosed: number; lbSaid: string | null }

/**
 * Failed requests' durations by verdict: the timeout fingerprints and the histogram. Two passes:
 * `add` bins every failed request; `clusters` finds the piles; `addMember` then takes the failed
 * requests again (in the same order) to collect each pile's first examples and commonest agents.
 */
export class FingerprintTally {
  private readonly bins = new Map<Verdict, DurationBins>(VERDICTS.filter((v) => v.failed).map((v) => [v.id, new DurationBins()]));
  private piles: Map<Verdict, PileAcc[]> | null = null;

  add(r: ReportPassRow): void {
    const d = durationMs(r);
    if (d !== null) this.bins.get(r.verdict)?.add(d);
  }

  /** The piles found by the first pass; the verdicts whose requests the second pass needs. */
  clusters(): Verdict[] {
    this.piles = new Map();
    for (const [verdict, b] of this.bins) {
      if (b.count === 0) continue;
      this.piles.set(verdict, clusterBins(b).map((cluster) => ({ cluster, examples: [], agents: new Map(), lbClientClosed: 0, lbSaid: null })));
    }
    return [...this.piles.entries()].filter(([, ps]) => ps.length > 0).map(([v]) => v);
  }

  addMember(r: ReportRequestRow): void {
    const d = durationMs(r);
    if (d === null || this.piles === null) return;
    const pile = this.piles.get(r.verdict)?.find((p) => inCluster(p.cluster, d));
    if (pile === undefined) return;
    if (pile.examples.length < 5) pile.examples.push(refOf(r));
    let agent = r.user_agent ?? '-';
    if (!pile.agents.has(agent) && pile.agents.size >= AGENT_CAP) agent = OTHER_AGENTS;
    pile.agents.set(agent, (pile.agents.get(agent) ?? 0) + 1);
    // A client abort whose LB line says the client closed: the LB's clock did not end it, whatever its value.
    if (r.verdict === 'client_abort' && r.lb_kind !== null && lbSignal({ kind: r.lb_kind, status: r.lb_status, target_status: r.lb_target_status, target: r.lb_target, termination: r.lb_termination }) === 'client_gave_up') {
      pile.lbClientClosed++;
      pile.lbSaid ??= `${capitalise(LB_VENDOR[r.lb_kind])} logged the client closing the connection (${r.lb_termination ?? r.lb_status ?? '?'})`;
    }
  }

  fingerprints(): Fingerprint[] {
    if (this.piles === null) this.clusters();
    return [...this.piles!.entries()].map(([verdict, piles]) => ({
      verdict,
      durations: this.bins.get(verdict)!.count,
      clusters: piles.map(({ cluster: c, examples, agents, lbClientClosed, lbSaid }) => ({
        center_s: c.centerS, low_s: c.lowS, high_s: c.highS, count: c.count, share: roundToMs(c.share),
        knob: nameKnob(verdict, c.centerS), examples, user_agents: topAgents(agents),
        ...(lbClientClosed > 0 ? { lb_client_closed: { count: lbClientClosed, said: lbSaid! } } : {}),
      })),
    }));
  }

  histogram(): Histogram {
    const h = histogramOf(new Map([...this.bins].filter(([, b]) => b.count > 0)));
    return { bin_s: h.binS, bins: h.bins.map((b) => ({ start_s: b.startS, total: b.total, counts: b.counts })) };
  }
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The commonest user agents among a pile's requests: which client's clock it is. */
function topAgents(agents: ReadonlyMap<string, number>, n = 3): { agent: string; count: number }[] {
  return [...agents.entries()].map(([agent, count]) => ({ agent, count })).sort((a, b) => b.count - a.count || a.agent.localeCompare(b.agent)).slice(0, n);
}

type WastedRef = RequestRef & { readonly wasted_s: number };

export class WastedTally {
  private requests = 0;
  private totalMs = 0;
  /** the 10 longest, longest first (ties: the earlier request) */
  private readonly top: { ms: number; id: number; ref: WastedRef }[] = [];
  private readonly byEndpoint = new Map<string, { requests: number; ms: number }>();

  add(r: ReportPassRow): void {
    if (r.wasted_work !== 1) return;
    const ms = r.wasted_ms ?? 0;
    this.requests++;
    this.totalMs += ms;
    const key = endpointOf(r);
    const e = this.byEndpoint.get(key) ?? { requests: 0, ms: 0 };
    e.requests++;
    e.ms += ms;
    this.byEndpoint.set(key, e);
    const worst = this.top[this.top.length - 1];
    if (this.top.length < 10 || ms > worst!.ms || (ms === worst!.ms && r.id < worst!.id)) {
      this.top.push({ ms, id: r.id, ref: { ...refOf(r), wasted_s: msToSeconds(ms) } });
      this.top.sort((a, b) => b.ms - a.ms || a.id - b.id);
      if (this.top.length > 10) this.top.pop();
    }
  }

  result(): WastedWork {
    return {
      requests: this.requests,
      total_s: msToSeconds(this.totalMs),
      top: this.top.map((t) => t.ref),
      by_endpoint: [...this.byEndpoint.entries()].map(([endpoint, e]) => ({ endpoint, requests: e.requests, wasted_s: msToSeconds(e.ms) }))
        .sort((a, b) => b.wasted_s - a.wasted_s || a.endpoint.localeCompare(b.endpoint)).slice(0, 10),
    };
  }
}

/** What the access log needs for a keep-alive race to be seen rather than suspected. */
export const RACE_MISSING = '$upstream_connect_time, $upstream_header_time and $upstream_response_time in the access log';

/** Keep-alive races (flagged, with their timing) and the failures that could be one (counted apart): how many, and the first few to cite. */
export class RaceTally {
  count = 0;
  readonly requests: RequestRef[] = [];
  possible = 0;
  readonly possibleRequests: RequestRef[] = [];

  add(r: ReportPassRow): void {
    if (r.keepalive_suspect === 1) {
      this.possible++;
      if (this.possibleRequests.length < 20) this.possibleRequests.push(refOf(r));
    }
    if (r.keepalive_race !== 1) return;
    this.count++;
    if (this.requests.length < 20) this.requests.push(refOf(r));
  }

  result(): { count: number; requests: RequestRef[]; possible: { count: number; requests: RequestRef[]; missing: string } } {
    return { count: this.count, requests: this.requests, possible: { count: this.possible, requests: this.possibleRequests, missing: RACE_MISSING } };
  }
}

/** Requests of one verdict: how many, and the first twenty (the load balancer's lb_unavailable). */
export class LbVerdictTally {
  count = 0;
  readonly requests: RequestRef[] = [];
  constructor(private readonly verdict: Verdict) {}

  add(r: ReportPassRow): void {
    if (r.verdict !== this.verdict) return;
    this.count++;
    if (this.requests.length < 20) this.requests.push(refOf(r));
  }

  result(): { count: number; requests: RequestRef[] } {
    return { count: this.count, requests: this.requests };
  }
}

/**
 * The slowest handler that completed, overall (the room a server-wide timeout must leave) and per
 * endpoint (the room one location's timeout must leave: never sized from another endpoint).
 */
export class SlowestHandler {
  ms: number | null = null;
  private readonly byEndpoint = new Map<string, number>();

  add(r: ReportPassRow): void {
    if (r.app_completed !== 1 || r.app_elapsed_ms === null) return;
    if (this.ms === null || r.app_elapsed_ms > this.ms) this.ms = r.app_elapsed_ms;
    const key = endpointOf(r);
    const was = this.byEndpoint.get(key);
    if (was === undefined ? this.byEndpoint.size < ENDPOINT_CAP : r.app_elapsed_ms > was) this.byEndpoint.set(key, Math.max(was ?? 0, r.app_elapsed_ms));
  }

  /** seconds, or null when no handler of that endpoint completed (or it was past the cap) */
  ofEndpoint(endpoint: string): number | null {
    const ms = this.byEndpoint.get(endpoint);
    return ms === undefined ? null : msToSeconds(ms);
  }
}

const BUCKETS_S = [1, 10, 60, 300, 900, 3600, 6 * 3600, 86400];

/** Verdicts per time bucket; the bucket size is chosen from the window's first and last end up front. */
export class OverTimeTally {
  private readonly size: number;
  private readonly base: number;
  private readonly buckets: { start: string; counts: Record<string, number>; failed_by_layer: Record<string, number> }[];

  /**
   * `layerOf` overrides the verdict's layer for a request whose clock was another's: a refusal during
   * an app-server restart fired on gunicorn's stop, not on nginx.
   */
  constructor(span: { firstMs: number; lastMs: number } | null, maxBuckets = 60, private readonly layerOf: (r: ReportPassRow) => string | null = () => null) {
    const first = span?.firstMs ?? 0;
    const last = span?.lastMs ?? 0;
    const bucketS = span === null ? 60 : BUCKETS_S.find((b) => (last - first) / secondsToMs(b) < maxBuckets) ?? 86400;
    this.size = secondsToMs(bucketS);
    this.base = Math.floor(first / this.size) * this.size;
    const n = span === null ? 0 : Math.floor((last - this.base) / this.size) + 1;
    this.buckets = Array.from({ length: n }, (_, i) => ({ start: isoUtc(this.base + i * this.size), counts: {}, failed_by_layer: {} }));
  }

  add(r: ReportPassRow): void {
    const b = this.buckets[Math.floor((r.end_ms - this.base) / this.size)];
    if (b === undefined) return;
    b.counts[r.verdict] = (b.counts[r.verdict] ?? 0) + 1;
    if (FAILED.has(r.verdict)) {
      const layer = this.layerOf(r) ?? LAYER.get(r.verdict) ?? 'nginx';
      b.failed_by_layer[layer] = (b.failed_by_layer[layer] ?? 0) + 1;
    }
  }

  result(): OverTime {
    return { bucket_s: msToSeconds(this.size), buckets: this.buckets };
  }
}
