/**
 * The three ways nginx writes an access line's time, read to UTC epoch ms with the line's own offset.
 * Lines repeat the same second many times, so each reader caches its last input.
 */
import { readClfTime, readIsoTime } from '../../src/domain/time.js';
import { epochSecondsToEpochMs, type EpochMs } from '../../src/domain/units.js';

/** A cache of one: the last text and what it read to. */
export interface TimeReader {
  (text: string): EpochMs | null;
}

/** A reader that remembers its last input and what it read to. */
function cacheOfOne(read: (text: string) => EpochMs | null): TimeReader {
  let lastText = '';
  let lastValue: EpochMs | null = null;
  return (text) => {
    if (text === lastText) return lastValue;
    lastText = text;
    lastValue = read(text);
    return lastValue;
  };
}

/** `$time_local`: "10/Oct/2023:13:55:36 +0530" → epoch ms, null when not a valid time. */
export const createTimeLocalReader = (): TimeReader => cacheOfOne(readClfTime);

/** `$time_iso8601`: "2023-10-10T13:55:36+05:30" → epoch ms. */
export const createIsoReader = (): TimeReader => cacheOfOne(readIsoTime);

/** `$msec` "1700000000.123" → epoch ms. */
export function readMsec(text: string): EpochMs | null {
  if (!/^\d{1,11}(?:\.\d+)?$/.test(text)) return null;
  return epochSecondsToEpochMs(Number(text));
}
