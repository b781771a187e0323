/**
 * Wall-clock fields → UTC epoch milliseconds. Log lines repeat the same second thousands of times,
 * and zone offsets change at most twice a year, so offsets are cached per zone and hour: the hot
 * path never builds a Date object for a zone.
 */
import { TZDate } from '@date-fns/tz';
import { epochMs, type EpochMs } from './units.js';

export const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** A wall-clock reading as printed by a log line, months 0-based. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

/** "+0530" / "-07:00" / "Z" → minutes east of UTC, or null when the text is not an offset. */
export function parseOffsetMinutes(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

export function wallClockWithOffset(w: WallClock, offsetMinutes: number): EpochMs {
  return epochMs(Date.UTC(w.year, w.month, w.day, w.hour, w.minute, w.second, w.ms) - offsetMinutes * 60_000);
}

/**
 * The Common Log Format's time, as nginx's `$time_local` and gunicorn's `%(t)s` print it without
 * brackets: "10/Oct/2023:13:55:36" → a wall clock (whole seconds), null when it is not one.
 */
export function readClfWallClock(text: string): WallClock | null {
  if (text.length !== 20 || text[2] !== '/' || text[6] !== '/' || text[11] !== ':') return null;
  const month = MONTHS[text.slice(3, 6)];
  if (month === undefined) return null;
  const w = {
    year: digits(text, 7, 11), month, day: digits(text, 0, 2), hour: digits(text, 12, 14),
    minute: digits(text, 15, 17), second: digits(text, 18, 20), ms: 0,
  };
  return isValidWallClock(w) ? w : null;
}

/** "10/Oct/2023:13:55:36 +0530" (CLF time with its offset) → epoch ms, null when not a valid time. */
export function readClfTime(text: string): EpochMs | null {
  if (text.length !== 26 || text[20] !== ' ') return null;
  const w = readClfWallClock(text.slice(0, 20));
  const offset = parseOffsetMinutes(text.slice(21));
  return w === null || offset === null ? null : wallClockWithOffset(w, offset);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * ISO 8601 / RFC 3339 "2023-10-10T13:55:36+05:30" (also with a fraction, "Z", "+0530" or a space for
 * the T) → epoch ms, the fraction cut to milliseconds. No offset → UTC.
 */
export function readIsoTime(text: string): EpochMs | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const offset = m[8] === undefined ? 0 : parseOffsetMinutes(m[8]);
  if (offset === null) return null;
  const w = {
    year: +m[1]!, month: +m[2]! - 1, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!,
    ms: m[7] === undefined ? 0 : +m[7].padEnd(3, '0').slice(0, 3),
  };
  return isValidWallClock(w) ? wallClockWithOffset(w, offset) : null;
}

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

export function isValidWallClock(w: WallClock): boolean {
  return (
    w.month >= 0 && w.month <= 11 && w.day >= 1 && w.day <= 31 && w.hour <= 23 && w.minute <= 59 &&
    w.second <= 60 && w.ms >= 0 && w.ms <= 999 && w.year >= 1970 && w.year <= 9999
  );
}

/**
 * The whole-second rule. nginx's `$time_local` (and gunicorn's `%(t)s`, the nginx error log) carry
 * whole seconds: a time on a second boundary stands for any instant of the second that follows, so a
 * window that must hold the true time is widened by one second after it. A time with milliseconds
 * ($msec, $time_iso8601 with a fraction) is taken as logged.
 */
export const WHOLE_SECOND_MS = 1_000;
/** Whether a time may be a whole-second reading (a millisecond time on the boundary reads the same: 1 in 1000). */
export const isWholeSecond = (ms: number): boolean => ms % WHOLE_SECOND_MS === 0;
/** How much later than logged the true time may be: a second for a whole-second time, nothing otherwise. */
export const resolutionSlackMs = (ms: number): number => (isWholeSecond(ms) ? WHOLE_SECOND_MS : 0);

/** Resolves wall-clock times that carry no offset (nginx error log, Python asctime) in an IANA zone. */
export interface ZoneResolver {
  readonly zone: string;
  toEpochMs(w: WallClock): EpochMs;
}

const offsetCache = new Map<string, number>();

export function createZoneResolver(zone: string): ZoneResolver {
  if (zone === 'UTC' || zone === 'Etc/UTC') {
    return { zone, toEpochMs: (w) => wallClockWithOffset(w, 0) };
  }
  assertKnownZone(zone);
  return {
    zone,
    toEpochMs(w) {
      // The offset of the zone at this wall-clock hour; in a DST gap or fold we take the offset that
      // TZDate picks (the earlier instant), as Python's logging would have printed either reading.
      const key = `${zone}|${w.year}|${w.month}|${w.day}|${w.hour}`;
      let offset = offsetCache.get(key);
      if (offset === undefined) {
        const d = new TZDate(w.year, w.month, w.day, w.hour, 30, 0, 0, zone);
        offset = -d.getTimezoneOffset();
        if (offsetCache.size > 100_000) offsetCache.clear();
        offsetCache.set(key, offset);
      }
      return wallClockWithOffset(w, offset);
    },
  };
}

export class UnknownZoneError extends Error {
  readonly code = 'unknown-zone';
  constructor(readonly zone: string) {
    super(`unknown time zone "${zone}": use an IANA name such as UTC, Europe/Berlin or Asia/Kolkata`);
  }
}

export function assertKnownZone(zone: string): void {
  // the first Intl.DateTimeFormat of a process loads ICU's zone data (~40 ms): not for UTC
  if (zone === 'UTC' || zone === 'Etc/UTC') return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new UnknownZoneError(zone);
  }
}

/** The machine's own zone: the fallback when `--tz` is not given (the CLI warns once per file). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
