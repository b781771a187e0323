/**
 * Timeout fingerprints. A clock that cuts requests cuts them all at the same duration: failed
 * requests that pile up at exactly 60.0 s were ended by a 60 s timeout, not by slowness. Pure
 * functions on arrays of durations: find the piles, name the knob that most likely set them.
 */

export interface Cluster {
  /** median duration of the members, seconds */
  readonly centerS: number;
  readonly lowS: number;
  readonly highS: number;
  readonly count: number;
  /** share of the group's durations that fall in the cluster */
  readonly share: number;
  /** indexes into the input array */
  readonly members: readonly number[];
}

export interface ClusterOptions {
  /** half-width of the window a pile is counted in, seconds (a clock fires within its tick, plus logging jitter) */
  readonly halfWidthS?: number;
  /** fewest members for a pile to count */
  readonly minCount?: number;
  /** how many times denser than an even spread a pile must be */
  readonly minContrast?: number;
  readonly maxClusters?: number;
  /** piles below this are instant failures (refused, reset, rejected), not a clock */
  readonly minCenterS?: number;
}

const DEFAULTS = { halfWidthS: 0.5, minCount: 3, minContrast: 4, maxClusters: 5, minCenterS: 1 } as const;

/**
 * Dense peaks in a list of durations (seconds). Greedy: bin to 0.1 s, take the fullest ±halfWidth
 * window, keep it when it is dense enough against an even spread of the remaining durations over
 * their range, remove its members, repeat. Deterministic: ties go to the shorter duration.
 */
export function findClusters(durationsS: readonly number[], options: ClusterOptions = {}): Cluster[] {
  const o = { ...DEFAULTS, ...options };
  const n = durationsS.length;
  const remaining = new Set<number>();
  durationsS.forEach((d, i) => { if (Number.isFinite(d) && d >= o.minCenterS - o.halfWidthS) remaining.add(i); });
  const out: Cluster[] = [];
  const halfBins = Math.round(o.halfWidthS * 10);
  while (out.length < o.maxClusters && remaining.size >= o.minCount) {
    const bins = new Map<number, number>();
    let minBin = Infinity;
    let maxBin = -Infinity;
    for (const i of remaining) {
      const b = Math.round(durationsS[i]! * 10);
      bins.set(b, (bins.get(b) ?? 0) + 1);
      minBin = Math.min(minBin, b);
      maxBin = Math.max(maxBin, b);
    }
    // The fullest window, centred on an occupied bin.
    let best: { center: number; mass: number } | null = null;
    for (const center of [...bins.keys()].sort((a, b) => a - b)) {
      let mass = 0;
      for (let b = center - halfBins; b <= center + halfBins; b++) mass += bins.get(b) ?? 0;
      if (best === null || mass > best.mass) best = { center, mass };
    }
    if (best === null || best.mass < o.minCount) break;
    const windowBins = 2 * halfBins + 1;
    const spreadBins = Math.max(windowBins, maxBin - minBin + 1);
    const expected = (remaining.size * windowBins) / spreadBins;
    // A lone group (everything within one window) is a pile only if it is not just "all the data".
    if (spreadBins === windowBins ? remaining.size < o.minCount : best.mass < o.minContrast * expected) break;
    const members = [...remaining].filter((i) => Math.abs(Math.round(durationsS[i]! * 10) - best!.center) <= halfBins);
    const sorted = members.map((i) => durationsS[i]!).sort((a, b) => a - b);
    out.push({
      centerS: round1(median(sorted)),
      lowS: sorted[0]!,
      highS: sorted[sorted.length - 1]!,
      count: members.length,
      share: n === 0 ? 0 : members.length / n,
      members: members.sort((a, b) => a - b),
    });
    for (const i of members) remaining.delete(i);
  }
  return out.sort((a, b) => a.centerS - b.centerS);
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Known clocks: a default value and where it is set. */
const KNOWN: readonly { seconds: number; verdicts: readonly string[] | null; knob: string }[] = [
  { seconds: 60, verdicts: ['proxy_timeout'], knob: "nginx proxy_read_timeout (default 60 s)" },
  { seconds: 60, verdicts: ['client_abort'], knob: 'a load balancer idle timeout (AWS ALB and GCP default 60 s) or a client timeout of 60 s' },
  { seconds: 30, verdicts: ['worker_timeout', 'worker_crash', 'upstream_error'], knob: "gunicorn --timeout (default 30 s)" },
  { seconds: 60, verdicts: ['upstream_error'], knob: "nginx proxy_read_timeout (default 60 s) or a load balancer idle timeout" },
  { seconds: 75, verdicts: null, knob: 'nginx keepalive_timeout (default 75 s)' },
  { seconds: 100, verdicts: ['client_abort'], knob: "Cloudflare's proxy read timeout (100 s)" },
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
    case 'client_abort': return `the client's own timeout (≈${s}): a script, SDK, browser fetch or a proxy in front`;
    case 'proxy_timeout': return `nginx proxy_read_timeout set to ≈${s} (or proxy_send/connect_timeout)`;
    case 'worker_timeout': return `gunicorn --timeout set to ≈${s} (deaths land up to ~1 s after it)`;
    case 'worker_crash': return `something killing workers ≈${s} into a request (a watchdog, the OOM killer under a steady leak)`;
    case 'upstream_error': return `an upstream-side clock of ≈${s} (uvicorn/gunicorn timeout, an idle timeout between nginx and the app)`;
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

const BIN_WIDTHS = [0.1, 0.5, 1, 2, 5, 10, 30, 60];

/** Durations by group into the narrowest bin width that keeps the chart under `maxBins` bins. */
export function buildHistogram(items: readonly { group: string; durationS: number }[], maxBins = 150): Histogram {
  const max = items.reduce((m, x) => Math.max(m, x.durationS), 0);
  const binS = BIN_WIDTHS.find((w) => max / w <= maxBins) ?? BIN_WIDTHS[BIN_WIDTHS.length - 1]!;
  const bins = new Map<number, Record<string, number>>();
  for (const x of items) {
    const k = Math.floor(x.durationS / binS + 1e-9);
    const b = bins.get(k) ?? {};
    b[x.group] = (b[x.group] ?? 0) + 1;
    bins.set(k, b);
  }
  return {
    binS,
    bins: [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([k, counts]) => ({
      startS: Math.round(k * binS * 10) / 10,
      counts,
      total: Object.values(counts).reduce((s, c) => s + c, 0),
    })),
  };
}
