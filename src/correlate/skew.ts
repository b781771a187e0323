/**
 * The app's clock against nginx's. Clocks on one host agree, but containers, a wrong --tz or a
 * drifting VM do not: the offset is estimated from matches that are certain (request ids) rather
 * than assumed to be zero. Without request ids, a coarse search over whole quarter hours finds a
 * zone mistake, then the matches themselves refine it.
 */
export interface SkewEstimate {
  /** app clock − nginx clock, ms; subtract it from app times */
  readonly skewMs: number;
  readonly samples: number;
  readonly method: 'request_id' | 'path_coincidence' | 'none';
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** From request-id pairs: app end − nginx end for answered requests (the app ends a few ms before nginx logs). */
export function skewFromRequestIds(diffs: number[]): SkewEstimate | null {
  // Fewer than 5 pairs is an anecdote, not an estimate.
  if (diffs.length < 5) return null;
  const m = median(diffs)!;
  return { skewMs: Math.round(m), samples: diffs.length, method: 'request_id' };
}

export interface TimedKey {
  readonly key: string;
  readonly time: number;
}

/**
 * Without ids: the offset (a multiple of 15 minutes, ±14 h, zone offsets being such multiples) at
 * which the most app ends coincide within 2 s with an nginx end for the same method and path.
 * Returns null when no offset beats zero clearly.
 */
export function skewFromCoincidence(access: readonly TimedKey[], app: readonly TimedKey[]): SkewEstimate | null {
  if (access.length === 0 || app.length === 0) return null;
  const byKey = new Map<string, number[]>();
  for (const a of access) {
    let arr = byKey.get(a.key);
    if (!arr) byKey.set(a.key, (arr = []));
    arr.push(a.time);
  }
  for (const arr of byKey.values()) arr.sort((x, y) => x - y);
  const hits = (offset: number) => {
    let n = 0;
    for (const p of app) {
      const arr = byKey.get(p.key);
      if (arr && nearest(arr, p.time - offset) <= 2000) n++;
    }
    return n;
  };
  const atZero = hits(0);
  let best = 0, bestHits = atZero;
  for (let k = -56; k <= 56; k++) {
    if (k === 0) continue;
    const h = hits(k * 15 * 60_000);
    if (h > bestHits) { best = k * 15 * 60_000; bestHits = h; }
  }
  // A zone mistake moves nearly every match; demand a clear win over zero before believing it.
  if (best === 0 || bestHits < Math.max(5, atZero * 2)) return null;
  return { skewMs: best, samples: bestHits, method: 'path_coincidence' };
}

function nearest(sorted: readonly number[], t: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1; else hi = mid;
  }
  const a = lo < sorted.length ? Math.abs(sorted[lo]! - t) : Infinity;
  const b = lo > 0 ? Math.abs(sorted[lo - 1]! - t) : Infinity;
  return Math.min(a, b);
}
