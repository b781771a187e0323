/**
 * Python's `YYYY-MM-DD HH:MM:SS[,mmm][±zzzz]` readings (logging's asctime, gunicorn's datefmt,
 * ISO-8601 in NDJSON) → UTC epoch ms. A reading with an offset uses it; one without is resolved in
 * the file's zone (`--tz`), as Python printed local time. Invalid dates are values, not exceptions.
 */
import { createZoneResolver, parseOffsetMinutes, wallClockWithOffset, type WallClock } from '../../src/domain/time.js';
import { epochMs, epochSecondsToEpochMs, type EpochMs } from '../../src/domain/units.js';

/** Date and time with an optional fraction (`,123` as logging prints it, `.123456` as isoformat does). */
export const CLOCK_SOURCE =
  String.raw`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[,.]\d{1,9})?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?`;

const CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,9}))?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/;

export type ClockResult =
  | { readonly ok: true; readonly time: EpochMs; readonly hasOffset: boolean }
  | { readonly ok: false; readonly reason: string };

export interface ClockReader {
  read(text: string): ClockResult;
}

/**
 * `opts.fastPaths: false` reads every text the general way: the differential test that the fast
 * path answers exactly as the general one does.
 */
export function createClockReader(tz: string, opts: { readonly fastPaths?: boolean } = {}): ClockReader {
  const zone = createZoneResolver(tz);
  const fast = opts.fastPaths ?? true;
  return {
    read(text) {
      if (fast) {
        const t = utcIsoMillis(text);
        if (t !== null) return { ok: true, time: t, hasOffset: true };
      }
      // logging's %(created)f: epoch seconds, which carry their zone.
      if (/^\d{9,10}(?:\.\d+)?$/.test(text)) return { ok: true, time: epochSecondsToEpochMs(Number(text)), hasOffset: true };
      const m = CLOCK.exec(text);
      if (!m) return { ok: false, reason: `"${text}" is not a YYYY-MM-DD HH:MM:SS time` };
      const w: WallClock = {
        year: +m[1]!, month: +m[2]! - 1, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!,
        ms: m[7] === undefined ? 0 : +m[7].padEnd(3, '0').slice(0, 3),
      };
      if (!isRealDate(w)) {
        return { ok: false, reason: `"${text}" is not a real date and time (month 01-12, day within the month, hour 00-23, minute and second 00-59)` };
      }
      if (m[8] === undefined) return { ok: true, time: zone.toEpochMs(w), hasOffset: false };
      const offset = parseOffsetMinutes(m[8]);
      if (offset === null || Math.abs(offset) > 14 * 60) {
        return { ok: false, reason: `"${m[8]}" in "${text}" is not a UTC offset (expected ±HHMM, at most ±1400)` };
      }
      return { ok: true, time: wallClockWithOffset(w, offset), hasOffset: true };
    },
  };
}

function isRealDate(w: WallClock): boolean {
  if (w.year < 1970 || w.month < 0 || w.month > 11 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 60) return false;
  const d = new Date(Date.UTC(w.year, w.month, w.day));
  return d.getUTCDate() === w.day && d.getUTCMonth() === w.month;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits of `text` from `at` to `at + n` as a number, -1 when one is not a digit. */
function digitsAt(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * `2024-03-10T00:00:00.004Z` exactly (JavaScript's toISOString, Python's isoformat with "Z" and
 * milliseconds: what most NDJSON loggers write) → epoch ms without a RegExp match and the objects it
 * allocates; null for any other text, which then takes the general reading. A real date only, as
 * there (isRealDate): a date this cannot vouch for (year before 1970, second 60) is left to it too.
 */
function utcIsoMillis(text: string): EpochMs | null {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = digitsAt(text, 20, 3);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return null;
  const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return null;
  return epochMs(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}
