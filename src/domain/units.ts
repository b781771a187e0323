/**
 * Branded units for the values that are easy to mix up: a point in time (epoch milliseconds, UTC)
 * versus a duration. nginx logs seconds with millisecond decimals, Python logs `%.2f` seconds, NDJSON
 * apps log whatever they like: every conversion goes through one constructor here and nowhere else.
 */
export type EpochMs = number & { readonly __unit: 'epoch-ms' };
export type DurationMs = number & { readonly __unit: 'duration-ms' };

export const epochMs = (ms: number): EpochMs => ms as EpochMs;
export const durationMs = (ms: number): DurationMs => ms as DurationMs;

/** "0.123" (nginx `$request_time`, Python `%.2f`) → 123 ms; rounding keeps float noise out of the store. */
export const secondsToDuration = (seconds: number): DurationMs => Math.round(seconds * 1000) as DurationMs;
export const durationToSeconds = (d: DurationMs): number => d / 1000;

/** nginx `$msec` is epoch seconds with a millisecond fraction: "1700000000.123". */
export const epochSecondsToEpochMs = (seconds: number): EpochMs => Math.round(seconds * 1000) as EpochMs;

export const isoUtc = (t: EpochMs): string => new Date(t).toISOString();
