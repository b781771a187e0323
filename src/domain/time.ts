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

export function isValidWallClock(w: WallClock): boolean {
  return (
    w.month >= 0 && w.month <= 11 && w.day >= 1 && w.day <= 31 && w.hour <= 23 && w.minute <= 59 &&
    w.second <= 60 && w.ms >= 0 && w.ms <= 999 && w.year >= 1970 && w.year <= 9999
  );
}

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
