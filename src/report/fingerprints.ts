/**
 * Timeout fingerprints. A clock that cuts requests cuts them all at the same duration: failed
 * requests that pile up at exactly 60.0 s were ended by a 60 s timeout, not by slowness. The
 * durations are kept as 0.1 s bins (DurationBins), never as a list: memory follows the range of
 * durations, not how many requests there were, and every pile's count, bounds and median are still
 * exact (each bin keeps its shortest and longest member).
 */

/** One 0.1 s bin: how many durations fell in it and the extremes among them (ms). */
interface BinStat { count: number; minMs: number; maxMs: number }

/**
 * Durations under this less a pile's half-width (so under 0.5 s) are instant failures (refused,
 * reset, rejected), not a clock, and join no pile. A pile at 0.5 s still can be one: something that
 * kills workers half a second into a request (the samples' /crash route).
 */
const CLOCK_FLOOR_MS = 1_000;
import { msToSeconds, secondsToMs } from '../domain/units.js';
/** Half-width of the window a pile is counted in: a clock fires within its tick, plus logging jitter. */
const HALF_WIDTH_BINS = 5;

/** Durations of one group, binned twice: nearest 0.1 s (for piles) and floored 0.1 s (for the histogram). */
export class DurationBins {
  /** Math.round(ms / 100) → stat, for durations a clock can have set (≥ 1 s less the window's half-width) */
  readonly nearest = new Map<number, BinStat>();
  /** Math.floor(ms / 100) → count, every duration */
  readonly floored = new Map<number, number>();
  count = 0;
  maxMs = 0;

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
    const f = Math.floor(ms / 100);
    this.floored.set(f, (this.floored.get(f) ?? 0) + 1);
    if (ms < CLOCK_FLOOR_MS - HALF_WIDTH_BINS * 100) return;
    const k = Math.round(ms / 100);
    const b = this.nearest.get(k);
    if (b === undefined) this.nearest.set(k, { count: 1, minMs: ms, maxMs: ms });
    else {
      b.count++;
      if (ms < b.minMs) b.minMs = ms;
      if (ms > b.maxMs) b.maxMs = ms;
    }
  }
}

export interface Cluster {
  /** median duration of the members, rounded to 0.1 s */
  readonly centerS: number;
  readonly lowS: number;
  readonly highS: number;
  readonly count: number;
  /** share of the group's durations that fall in the cluster */
  readonly share: number;
  /** its members are the durations whose Math.round(ms / 100) lies in [fromBin, toBin] */
  readonly fromBin: number;
  readonly toBin: number;
}

/** Whether a duration belongs to a cluster: what a second pass uses to find its examples. */
export function inCluster(c: Cluster, ms: number): boolean {
  if (ms < CLOCK_FLOOR_MS - HALF_WIDTH_BINS * 100) return false;
  const k = Math.round(ms / 100);
  return k >= c.fromBin && k <= c.toBin;
}

export interface ClusterOptions {
  /** fewest members for a pile to count */
  readonly minCount?: number;
  /** how many times denser than an even spread a pile must be */
  readonly minContrast?: number;
  readonly maxClusters?: number;
}

const DEFAULTS = { minCount: 3, minContrast: 4, maxClusters: 5 } as const;

/**
 * Dense peaks among binned durations. Greedy: take the fullest ±0.5 s window, keep it when it is
 * dense enough against an even spread of the remaining durations over their range, remove its
 * members, repeat. Deterministic: ties go to the shorter duration.
 */
export function clusterBins(bins: DurationBins, options: ClusterOptions = {}): Cluster[] {
  const o = { ...DEFAULTS, ...options };
  const remaining = new Map(bins.nearest);
  let remainingCount = 0;
  for (const b of remaining.values()) remainingCount += b.count;
  const out: Cluster[] = [];
  const h = HALF_WIDTH_BINS;
  while (out.length < o.maxClusters && remainingCount >= o.minCount) {
    const keys = [...remaining.keys()].sort((a, b) => a - b);
    // The fullest window, centred on an occupied bin.
    let best: { center: number; mass: number } | null = null;
    for (const center of keys) {
      let mass = 0;
      for (let b = center - h; b <= center + h; b++) mass += remaining.get(b)?.count ?? 0;
      if (best === null || mass > best.mass) best = { center, mass };
    }
    if (best === null || best.mass < o.minCount) break;
    const windowBins = 2 * h + 1;
    const spreadBins = Math.max(windowBins, keys[keys.length - 1]! - keys[0]! + 1);
    const expected = (remainingCount * windowBins) / spreadBins;
    // A lone group (everything within one window) is a pile only if it is not just "all the data".
    if (spreadBins === windowBins ? remainingCount < o.minCount : best.mass < o.minContrast * expected) break;
    const members = keys.filter((k) => Math.abs(k - best!.center) <= h);
    const stats = members.map((k) => remaining.get(k)!);
    out.push({
      centerS: medianS(stats, best.mass),
      lowS: msToSeconds(stats[0]!.minMs),
      highS: msToSeconds(stats[stats.length - 1]!.maxMs),
      count: best.mass,
      share: bins.count === 0 ? 0 : best.mass / bins.count,
      fromBin: members[0]!,
      toBin: members[members.length - 1]!,
    });
    for (const k of members) remaining.delete(k);
    remainingCount -= best.mass;
  }
  return out.sort((a, b) => a.centerS - b.centerS);
}

/**
 * The members' median rounded to 0.1 s, from their bins (in order). Within one bin every value
 * rounds to that bin; a median that falls between two bins is the mean of the first bin's longest
 * and the next bin's shortest member, which are exactly the two middle values.
 */
function medianS(stats: readonly BinStat[], n: number): number {
  const at = (i: number): { stat: BinStat; index: number } => {
    let seen = 0;
    for (let s = 0; s < stats.length; s++) {
      if (i < seen + stats[s]!.count) return { stat: stats[s]!, index: s };
      seen += stats[s]!.count;
    }
    throw new Error('median index outside the members');
  };
  const lo = at((n - 1) >> 1);
  const hi = at(n >> 1);
  const ms = lo.index === hi.index ? (lo.stat.minMs + lo.stat.maxMs) / 2 : (lo.stat.maxMs + hi.stat.minMs) / 2;
  return Math.round(ms / 100) / 10;
}

/** Clusters of a list of durations in seconds (tests and small inputs). */
export function findClusters(durationsS: readonly number[], options: ClusterOptions = {}): Cluster[] {
  const bins = new DurationBins();
  for (const d of durationsS) bins.add(secondsToMs(d));
  return clusterBins(bins, options);
}

/** Known clocks: a default value and where it is set. */
const KNOWN: readonly { seconds: number; verdicts: readonly string[] | null; knob: string }[] = [
  { seconds: 60, verdicts: ['proxy_timeout'], knob: "nginx proxy_read_timeout (default 60 s)" },
  { seconds: 60, verdicts: ['client_abort'], knob: 'a load balancer idle timeout (AWS ALB default 60 s) or a client timeout of 60 s' },
  { seconds: 30, verdicts: ['client_abort'], knob: "a load balancer's backend timeout (GCP's external Application Load Balancer default 30 s) or the client's own timeout of 30 s" },
  { seconds: 30, verdicts: ['worker_timeout', 'worker_crash', 'upstream_error'], knob: "gunicorn --timeout (default 30 s)" },
  { seconds: 60, verdicts: ['upstream_error'], knob: "nginx proxy_read_timeout (default 60 s) or a load balancer idle timeout" },
  { seconds: 75, verdicts: null, knob: 'nginx keepalive_timeout (default 75 s)' },
  { seconds: 100, verdicts: ['client_abort'], knob: "Cloudflare's proxy read timeout (100 s)" },
  { seconds: 60, verdicts: ['lb_timeout'], knob: "the load balancer's idle timeout (AWS ALB/ELB default 60 s)" },
  { seconds: 30, verdicts: ['lb_timeout'], knob: 'the GCP backend service timeout (default 30 s)' },
  { seconds: 100, verdicts: ['lb_timeout'], knob: "Cloudflare's proxy read timeout (100 s, 524)" },
];

/** How close a pile must sit to a known default to be named after it: clocks fire late, never early. */
function nearDefault(center: number, seconds: number): boolean {
  return center >= seconds - 0.2 && center <= seconds + Math.max(1.5, seconds * 0.03);
}

/** The knob that most likely set a pile of `verdict` requests at `centerS`. */
export function nameKnob(verdict: string, centerS: number): string {
  const known = KNOWN.find((k) => (k.verdicts === null || k.verdicts.includes(verdict)) && nearDefault(centerS, k.seconds));
  if (known) return known.knob;
  const s = `${centerS} s`;
  switch (verdict) {
    case 'client_abort': return `the client's own timeout (≈${s}): a script, SDK or browser fetch — or a load balancer's idle/backend timeout in front`;
    case 'proxy_timeout': return `nginx proxy_read_timeout set to ≈${s} (or proxy_send/connect_timeout)`;
    case 'worker_timeout': return `gunicorn --timeout set to ≈${s} (deaths land up to ~1 s after it)`;
    case 'worker_crash': return `something killing workers ≈${s} into a request (a watchdog, the OOM killer under a steady leak)`;
    case 'upstream_error': return `an upstream-side clock of ≈${s} (uvicorn/gunicorn timeout, an idle timeout between nginx and the app)`;
    case 'lb_timeout': return `the load balancer's timeout set to ≈${s} (ALB idle timeout, HAProxy timeout server, GCP backend service timeout)`;
    case 'app_error': return `a timeout inside the app of ≈${s} (a database statement_timeout, an HTTP client's timeout)`;
    default: return `a clock of ≈${s}`;
  }
}

export interface HistogramBin {
  readonly startS: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

export interface Histogram {
  readonly binS: number;
  /** non-empty bins only, in order */
  readonly bins: readonly HistogramBin[];
}

/** Bin widths in ms, each a multiple of the 0.1 s bins DurationBins keeps. */
const BIN_WIDTHS_MS = [100, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/** Binned durations by group into the narrowest bin width that keeps the chart under `maxBins` bins. */
export function histogramOf(groups: ReadonlyMap<string, DurationBins>, maxBins = 150): Histogram {
  let maxMs = 0;
  for (const g of groups.values()) maxMs = Math.max(maxMs, g.maxMs);
  const widthMs = BIN_WIDTHS_MS.find((w) => maxMs / w <= maxBins) ?? BIN_WIDTHS_MS[BIN_WIDTHS_MS.length - 1]!;
  const perWidth = widthMs / 100;
  const bins = new Map<number, Record<string, number>>();
  for (const [group, g] of groups) {
    for (const [tenth, n] of g.floored) {
      const k = Math.floor(tenth / perWidth);
      const b = bins.get(k) ?? {};
      b[group] = (b[group] ?? 0) + n;
      bins.set(k, b);
    }
  }
  return {
    binS: msToSeconds(widthMs),
    bins: [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([k, counts]) => ({
      startS: msToSeconds(k * widthMs),
      counts,
      total: Object.values(counts).reduce((s, c) => s + c, 0),
    })),
  };
}

/** The histogram of a list of durations in seconds by group (tests and small inputs). */
export function buildHistogram(items: readonly { group: string; durationS: number }[], maxBins = 150): Histogram {
  const groups = new Map<string, DurationBins>();
  for (const x of items) {
    const g = groups.get(x.group) ?? new DurationBins();
    g.add(secondsToMs(x.durationS));
    groups.set(x.group, g);
  }
  return histogramOf(groups, maxBins);
}

/**
 * A pile of client aborts at least half of whose load balancer lines say the client closed: the
 * LB's clock did not end it, even where the LB's timeout has the pile's value.
 */
export function lbClearedOf(c: { readonly count: number; readonly lb_client_closed?: { readonly count: number } }): boolean {
  const n = c.lb_client_closed?.count ?? 0;
  return n > 0 && n * 2 >= c.count;
}
