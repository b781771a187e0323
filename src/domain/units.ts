/**
 * Branded units for the values that are easy to mix up: a point in time (epoch milliseconds, UTC)
 * versus a duration. nginx logs seconds with millisecond decimals, Python logs `%.2f` seconds, NDJSON
 * apps log whatever they like, the store keeps milliseconds and the outputs print seconds: every
 * conversion between seconds, milliseconds and microseconds goes through one function here.
 */
export type EpochMs = number & { readonly __unit: 'epoch-ms' };
export type DurationMs = number & { readonly __unit: 'duration-ms' };

export const epochMs = (ms: number): EpochMs => ms as EpochMs;
export const durationMs = (ms: number): DurationMs => ms as DurationMs;

/** "0.123" (nginx `$request_time`, Python `%.2f`) → 123 ms; rounding keeps float noise out of the store. */
export const secondsToDuration = (seconds: number): DurationMs => Math.round(seconds * 1000) as DurationMs;
/** gunicorn's `%(D)s`, an app's `"1234us"` → ms, rounded. */
export const microsToDuration = (us: number): DurationMs => Math.round(us / 1000) as DurationMs;
/** An app's `"1234567ns"` → ms, rounded. */
export const nanosToDuration = (ns: number): DurationMs => Math.round(ns / 1e6) as DurationMs;

/** nginx `$msec` is epoch seconds with a millisecond fraction: "1700000000.123". */
export const epochSecondsToEpochMs = (seconds: number): EpochMs => Math.round(seconds * 1000) as EpochMs;
/** journald's `__REALTIME_TIMESTAMP` is epoch µs: cut to the millisecond, as a millisecond clock prints it. */
export const epochMicrosToEpochMs = (us: number): EpochMs => Math.floor(us / 1000) as EpochMs;
/**
 * Cloudflare's `unixnano` timestamps: rounded, not cut. Past 2^53 a number holds epoch nanoseconds only
 * to ~256 ns, so "…050000000" arrives as …049999872 and cutting would lose a millisecond.
 */
export const epochNanosToEpochMs = (ns: number): EpochMs => Math.round(ns / 1e6) as EpochMs;

/** Seconds (a CLI or nginx.conf duration) → whole milliseconds, for timers and windows. */
export const secondsToMs = (seconds: number): number => Math.round(seconds * 1000);

/** A stored millisecond count (a duration, or a span between two times) in seconds, as the outputs print it. */
export function msToSeconds(ms: number): number;
export function msToSeconds(ms: number | null): number | null;
export function msToSeconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

/** Seconds rounded to the millisecond, so a printed figure carries no float noise (0.30000000000000004). */
export const roundToMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Epoch milliseconds (a branded time or a store column) → ISO 8601 in UTC, "2024-03-04T05:06:07.000Z". */
export function isoUtc(ms: number): string;
export function isoUtc(ms: number | null | undefined): string | null;
export function isoUtc(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
