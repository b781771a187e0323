/**
 * NDJSON app logs: one object per line. Apps name their fields as they like, so the mapping from
 * field names to our columns is data (NDJSON_FIELDS, first present name wins), as are the duration
 * units. Objects without request fields (startup messages) are ignored; invalid JSON is rejected
 * with V8's message and the 1-based column where the text goes wrong.
 */
import { ignored, record, reject, type LineParser, type ParserOptions } from '../result.js';
import { durationMs, epochMs, epochSecondsToEpochMs, microsToDuration, nanosToDuration, secondsToDuration, type DurationMs, type EpochMs } from '../../src/domain/units.js';
import { createClockReader, type ClockReader } from './clock.js';
import { jsonErrorOffset } from './json-position.js';
import type { AppRequestRecord } from './record.js';

/** Our field ← the names apps use for it, in order of preference. */
export const NDJSON_FIELDS = {
  time: ['ts', 'time', 'timestamp', '@timestamp', 'asctime'],
  requestId: ['request_id', 'requestId', 'x_request_id', 'req_id'],
  method: ['method', 'http_method'],
  path: ['path', 'url', 'route'],
  status: ['status', 'status_code'],
  pid: ['pid', 'process'],
  client: ['client', 'client_addr', 'remote_addr'],
  level: ['level', 'levelname', 'severity'],
  logger: ['logger', 'logger_name', 'name'],
  error: ['error', 'exc_info', 'exception'],
} as const;

/**
 * Duration names and their unit. A name with `_ms` is milliseconds, with `_s` seconds. A bare
 * `elapsed`/`duration`/`latency` NUMBER is read as seconds: Python's timers (time.monotonic(),
 * perf_counter()) return seconds, and an app that converts to milliseconds says so in the name.
 * A string carries its own unit: "12.3ms", "0.5s", "250us"/"250µs"; a unit-less string is seconds.
 */
export const NDJSON_DURATIONS: readonly { readonly name: string; readonly unit: 'ms' | 's' }[] = [
  { name: 'elapsed_ms', unit: 'ms' },
  { name: 'duration_ms', unit: 'ms' },
  { name: 'latency_ms', unit: 'ms' },
  { name: 'elapsed_s', unit: 's' },
  { name: 'duration_s', unit: 's' },
  { name: 'latency_s', unit: 's' },
  { name: 'elapsed', unit: 's' },
  { name: 'duration', unit: 's' },
  { name: 'latency', unit: 's' },
];

type Obj = Record<string, unknown>;

type Field = keyof typeof NDJSON_FIELDS;
const FIELDS = Object.keys(NDJSON_FIELDS) as Field[];
/** The slot after the fields': the duration, whose name also says its unit. */
const DURATION_SLOT = FIELDS.length;

/**
 * Every name an app may use → its slot and its rank among the names of that slot (lower wins). One
 * pass over a line's own keys finds every field, instead of probing each name of each field (about
 * 30 property reads, most of them misses, on every line).
 */
const SLOT_OF: ReadonlyMap<string, { readonly slot: number; readonly rank: number }> = new Map([
  ...FIELDS.flatMap((f, slot) => NDJSON_FIELDS[f].map((name, rank) => [name, { slot, rank }] as const)),
  ...NDJSON_DURATIONS.map((d, rank) => [d.name, { slot: DURATION_SLOT, rank }] as const),
]);

/**
 * Each slot's value: that of its first name in preference order whose value is neither undefined nor
 * null (as `o[name] ?? next name`), and the rank it came from. `values`/`ranks` are the caller's,
 * reused from line to line.
 */
function collect(o: Obj, values: unknown[], ranks: number[]): void {
  values.fill(undefined);
  ranks.fill(Infinity);
  for (const k in o) {
    const at = SLOT_OF.get(k);
    if (at === undefined || at.rank >= ranks[at.slot]!) continue;
    const v = o[k];
    if (v === undefined || v === null) continue;
    values[at.slot] = v;
    ranks[at.slot] = at.rank;
  }
}

const slot = (f: Field): number => FIELDS.indexOf(f);
const TIME = slot('time'), REQUEST_ID = slot('requestId'), METHOD = slot('method'), PATH = slot('path'), STATUS = slot('status');
const PID = slot('pid'), CLIENT = slot('client'), LEVEL = slot('level'), LOGGER = slot('logger'), ERROR = slot('error');

const asString = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;

function asInt(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : null;
}

const DURATION_TEXT = /^\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(ms|s|us|µs|ns)?\s*$/;

/** A duration value in a given default unit → DurationMs, or a reason it is not one. */
export function readDuration(v: unknown, unit: 'ms' | 's'): DurationMs | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return `${v} is not a duration`;
    return unit === 'ms' ? durationMs(Math.round(v)) : secondsToDuration(v);
  }
  if (typeof v === 'string') {
    const m = DURATION_TEXT.exec(v);
    if (!m) return `"${v}" is not a duration (expected a number with ms, s or us)`;
    const x = Number(m[1]);
    switch (m[2] ?? unit) {
      case 'ms': return durationMs(Math.round(x));
      case 's': return secondsToDuration(x);
      case 'us': case 'µs': return microsToDuration(x);
      default: return nanosToDuration(x);
    }
  }
  return `${JSON.stringify(v)} is not a duration`;
}

/** ISO-8601 (with offset, or zone-less in --tz), asctime, or epoch seconds / milliseconds numbers. */
export function readTime(v: unknown, clock: ClockReader): { time: EpochMs; text: string } | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return `${v} is not an epoch time`;
    // Epoch seconds are ~1.7e9 today, milliseconds ~1.7e12: anything past 1e11 s (year 5138) is ms.
    return { time: v > 1e11 ? epochMs(Math.round(v)) : epochSecondsToEpochMs(v), text: String(v) };
  }
  if (typeof v === 'string') {
    if (/^\d+(?:\.\d+)?$/.test(v)) return readTime(Number(v), clock);
    const r = clock.read(v);
    return r.ok ? { time: r.time, text: v } : r.reason;
  }
  return `${JSON.stringify(v)} is not a time`;
}

export function createAppNdjsonLineParser(opts: ParserOptions): LineParser<AppRequestRecord> {
  const clock = createClockReader(opts.tz);
  const values: unknown[] = new Array(DURATION_SLOT + 1);
  const ranks: number[] = new Array(DURATION_SLOT + 1);
  return (raw) => {
    // Delivery wrappers (docker, journald …) are taken off before, once per file: src/ingest/reading.ts.
    const inner = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = inner.trim();
    if (text === '') return ignored('blank line');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      const at = jsonErrorOffset(text) + (inner.length - inner.trimStart().length);
      const msg = e instanceof Error ? e.message : String(e);
      return reject(`invalid JSON at column ${at + 1}: ${msg.length > 200 ? msg.slice(0, 200) + '…' : msg}; each line of an NDJSON app log must be one complete JSON object`, at);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return reject(`NDJSON line is ${Array.isArray(parsed) ? 'an array' : typeof parsed}, not an object; log one JSON object per line`, 0);
    }
    collect(parsed as Obj, values, ranks);
    const method = asString(values[METHOD]);
    const url = asString(values[PATH]);
    if (method === null && url === null) return ignored('JSON object without request fields (method, path/url/route)');
    const q = url === null ? -1 : url.indexOf('?');
    let time: EpochMs | null = null;
    let timeText: string | null = null;
    const tv = values[TIME];
    if (tv !== undefined) {
      const t = readTime(tv, clock);
      if (typeof t === 'string') return reject(`time field: ${t}; log ISO-8601 with an offset or epoch seconds`);
      time = t.time;
      timeText = t.text;
    }
    let elapsed: DurationMs | null = null;
    if (values[DURATION_SLOT] !== undefined) {
      const d = NDJSON_DURATIONS[ranks[DURATION_SLOT]!]!;
      const r = readDuration(values[DURATION_SLOT], d.unit);
      if (typeof r === 'string') return reject(`field "${d.name}": ${r}`);
      elapsed = r;
    }
    const errorValue = values[ERROR];
    const rec: AppRequestRecord = {
      kind: 'request',
      format: 'ndjson',
      time,
      timeText,
      level: asString(values[LEVEL])?.toLowerCase() ?? null,
      logger: asString(values[LOGGER]),
      pid: asInt(values[PID]),
      method: method === null ? null : method.toUpperCase(),
      path: url === null ? null : q < 0 ? url : url.slice(0, q),
      uri: url,
      status: asInt(values[STATUS]),
      elapsed,
      requestId: asString(values[REQUEST_ID]),
      client: asString(values[CLIENT]),
      error: errorValue === undefined || errorValue === false ? null : typeof errorValue === 'string' ? errorValue : JSON.stringify(errorValue),
    };
    return record(rec, 'ndjson');
  };
}
