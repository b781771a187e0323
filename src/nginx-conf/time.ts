/**
 * nginx time syntax (ngx_parse_time): `10` (seconds), `10s`, `500ms`, `1m30s`, `1h`, `1d`, `1w`,
 * `1M` (30 days), `1y` (365 days). Units must come largest first, each at most once — nginx rejects
 * `30s1m` — and spaces between parts are allowed inside a quoted value. The CLI's duration flags use
 * the same syntax, so `--lb-idle-timeout 60` means what it would in nginx.conf.
 */
const UNITS: readonly { readonly suffix: string; readonly seconds: number }[] = [
  { suffix: 'y', seconds: 365 * 86400 },
  { suffix: 'M', seconds: 30 * 86400 },
  { suffix: 'w', seconds: 7 * 86400 },
  { suffix: 'd', seconds: 86400 },
  { suffix: 'h', seconds: 3600 },
  { suffix: 'm', seconds: 60 },
  { suffix: 's', seconds: 1 },
  { suffix: 'ms', seconds: 0.001 },
];
import { secondsToMs, roundToMs } from '../domain/units.js';

export type TimeParse = { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly reason: string };

export function parseNginxTime(text: string): TimeParse {
  const parts = [...text.matchAll(/\s*(\d+(?:\.\d+)?)(ms|[yMwdhms])?\s*/gy)];
  const consumed = parts.reduce((n, m) => n + m[0].length, 0);
  if (parts.length === 0 || consumed !== text.length) {
    return { ok: false, reason: `"${text}" is not an nginx time (write e.g. 60, 60s, 500ms, 1m30s, 1h)` };
  }
  let total = 0;
  let lastRank = -1;
  for (const [i, m] of parts.entries()) {
    const suffix = m[2];
    // A bare number means seconds, and only as the last part ("1m30" is 1m30s, as in nginx).
    if (suffix === undefined && i !== parts.length - 1) return { ok: false, reason: `"${text}": a number without a unit must come last` };
    const rank = UNITS.findIndex((u) => u.suffix === (suffix ?? 's'));
    const unit = UNITS[rank];
    if (!unit || rank <= lastRank) return { ok: false, reason: `"${text}": units must go from largest to smallest, each once` };
    // Fractions are not nginx syntax; the CLI accepts them (--precision 0.5), nginx.conf never has them.
    total += Number(m[1]) * unit.seconds;
    lastRank = rank;
  }
  return { ok: true, seconds: roundToMs(total) };
}

/** Seconds → the shortest nginx spelling: 90 → "1m30s", 0.5 → "500ms", 0 → "0s". */
export function formatSeconds(s: number): string {
  if (s === 0) return '0s';
  let ms = secondsToMs(s);
  let out = '';
  for (const u of UNITS) {
    const unitMs = secondsToMs(u.seconds);
    if (u.suffix === 'M' || u.suffix === 'y' || u.suffix === 'w') continue;
    const q = Math.floor(ms / unitMs);
    if (q > 0) {
      out += `${q}${u.suffix}`;
      ms -= q * unitMs;
    }
  }
  return out;
}
