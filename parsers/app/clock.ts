/**
 * Python's `YYYY-MM-DD HH:MM:SS[,mmm][±zzzz]` readings (logging's asctime, gunicorn's datefmt,
 * ISO-8601 in NDJSON) → UTC epoch ms. A reading with an offset uses it; one without is resolved in
 * the file's zone (`--tz`), as Python printed local time. Invalid dates are values, not exceptions.
 */
import { createZoneResolver, parseOffsetMinutes, wallClockWithOffset, type WallClock } from '../../src/domain/time.js';
import { epochSecondsToEpochMs, type EpochMs } from '../../src/domain/units.js';

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

export function createClockReader(tz: string): ClockReader {
  const zone = createZoneResolver(tz);
  return {
    read(text) {
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
