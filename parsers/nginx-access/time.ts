/**
 * The three ways nginx writes an access line's time, read to UTC epoch ms with the line's own offset.
 * Lines repeat the same second many times, so each reader caches its last input.
 */
import { isValidWallClock, MONTHS, parseOffsetMinutes, wallClockWithOffset } from '../../src/domain/time.js';
import { epochSecondsToEpochMs, type EpochMs } from '../../src/domain/units.js';

/** A cache of one: the last text and what it read to. */
export interface TimeReader {
  (text: string): EpochMs | null;
}

/** `$time_local`: "10/Oct/2023:13:55:36 +0530" → epoch ms, null when not a valid time. */
export function createTimeLocalReader(): TimeReader {
  let lastText = '';
  let lastValue: EpochMs | null = null;
  return (text) => {
    if (text === lastText) return lastValue;
    lastText = text;
    lastValue = readTimeLocal(text);
    return lastValue;
  };
}

export function readTimeLocal(text: string): EpochMs | null {
  if (text.length !== 26 || text[2] !== '/' || text[6] !== '/' || text[11] !== ':' || text[20] !== ' ') return null;
  const month = MONTHS[text.slice(3, 6)];
  const offset = parseOffsetMinutes(text.slice(21));
  if (month === undefined || offset === null) return null;
  const w = {
    year: num(text, 7, 11), month, day: num(text, 0, 2), hour: num(text, 12, 14),
    minute: num(text, 15, 17), second: num(text, 18, 20), ms: 0,
  };
  return isValidWallClock(w) ? wallClockWithOffset(w, offset) : null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** `$time_iso8601` "2023-10-10T13:55:36+05:30" (also with a fraction, "Z" or "+0530"). No offset → UTC. */
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

export function createIsoReader(): TimeReader {
  let lastText = '';
  let lastValue: EpochMs | null = null;
  return (text) => {
    if (text === lastText) return lastValue;
    lastText = text;
    lastValue = readIsoTime(text);
    return lastValue;
  };
}

/** `$msec` "1700000000.123" → epoch ms. */
export function readMsec(text: string): EpochMs | null {
  if (!/^\d{1,11}(?:\.\d+)?$/.test(text)) return null;
  return epochSecondsToEpochMs(Number(text));
}

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}
