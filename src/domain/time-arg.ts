/**
 * Times a user types on the command line (--from, --to): ISO-8601, and the formats the logs
 * themselves print, so a time can be pasted straight from a log line. Times without an offset are
 * read in the given zone.
 */
import { createZoneResolver, parseOffsetMinutes, readClfWallClock, wallClockWithOffset, type WallClock } from './time.js';
import { epochSecondsToEpochMs, type EpochMs } from './units.js';
import { UsageError } from './errors.js';

const FORMATS: readonly { re: RegExp; build: (m: RegExpExecArray) => { w: WallClock; offset: string | null } }[] = [
  // 2024-01-02T03:04:05.123Z, 2024-01-02 03:04:05,123 +0000, 2024-01-02 (midnight)
  {
    re: /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/,
    build: (m) => ({ w: wall(+m[1]!, +m[2]! - 1, +m[3]!, m[4], m[5], m[6], m[7]), offset: m[8] ?? null }),
  },
  // nginx access: 10/Oct/2023:13:55:36 +0000
  {
    re: /^(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2})(?:\s+([+-]\d{4}))?$/,
    build: (m) => ({ w: readClfWallClock(m[1]!) ?? NOT_A_TIME, offset: m[2] ?? null }),
  },
  // nginx error: 2023/10/10 13:55:36
  {
    re: /^(\d{4})\/(\d{2})\/(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/,
    build: (m) => ({ w: wall(+m[1]!, +m[2]! - 1, +m[3]!, m[4], m[5], m[6], undefined), offset: null }),
  },
];

/** What a CLF time with no such month (or an hour past 23 …) builds: the loop stops at its month. */
const NOT_A_TIME: WallClock = { year: 0, month: -1, day: 0, hour: 0, minute: 0, second: 0, ms: 0 };

function wall(y: number, mo: number, d: number, h?: string, mi?: string, s?: string, frac?: string): WallClock {
  return { year: y, month: mo, day: d, hour: h ? +h : 0, minute: mi ? +mi : 0, second: s ? +s : 0, ms: frac ? +frac.padEnd(3, '0').slice(0, 3) : 0 };
}

export function parseTimeArg(text: string, zone: string, flag = 'time'): EpochMs {
  const t = text.trim();
  if (/^\d{10}(\.\d+)?$/.test(t)) return epochSecondsToEpochMs(Number(t)); // epoch seconds ($msec)
  for (const f of FORMATS) {
    const m = f.re.exec(t);
    if (!m) continue;
    const { w, offset } = f.build(m);
    if (w.month < 0) break;
    if (offset !== null) {
      const off = parseOffsetMinutes(offset);
      if (off !== null) return wallClockWithOffset(w, off);
    }
    return createZoneResolver(zone).toEpochMs(w);
  }
  throw new UsageError(`${flag}: cannot read "${text}" as a time; use ISO-8601 (2024-05-01T13:00:00Z, 2024-05-01 13:00) or a log's own format (01/May/2024:13:00:00 +0000, 2024/05/01 13:00:00)`);
}

/** "24h", "90m", "7d", "30s" → milliseconds (for --last). */
export function parseDurationArg(text: string, flag = '--last'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: cannot read "${text}" as a duration; use e.g. 30m, 24h, 7d`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}
