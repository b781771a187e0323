/**
 * A raw line under one reading (a chain of wrappers) → the inner line and what the envelope said.
 * Pure: the same line under the same reading always gives the same result. Times that need a zone or
 * a year (syslog's `Mar  4 05:06:07`) are resolved with the context the ingest passes.
 */
import { MONTHS, createZoneResolver, readIsoTime, type ZoneResolver } from '../../src/domain/time.js';
import { epochMicrosToEpochMs, type EpochMs } from '../../src/domain/units.js';
import { WRAPPER_BY_ID, type JsonWrapper, type PrefixWrapper, type WrapperDef, type WrapperId } from './wrappers.js';
import { parseJsonObject } from '../json-object.js';

export interface Delivered {
  /** The program's own line. */
  readonly text: string;
  /** The envelope's time when it says a full instant (date and zone), else null. */
  readonly time: EpochMs | null;
  /** Sub-second digits of `time` (0: whole seconds). */
  readonly digits: number;
  /** The container, service, unit or pod/container the line came from. */
  readonly name: string | null;
  readonly stream: 'stdout' | 'stderr' | null;
  /** A part of a longer line: the next parts follow (CRI `P`, docker json-file without "\n"). */
  readonly partial: boolean;
  /** How many wrappers of the chain matched this line (0: read as it is). */
  readonly matched: number;
}

export interface UnwrapContext {
  /** Zone of wrapper times without offset (syslog/journald short). */
  readonly zone: ZoneResolver;
  /** Year for syslog times, which print none. */
  readonly year: number;
}

export function createUnwrapContext(tz: string, year: number): UnwrapContext {
  return { zone: createZoneResolver(tz), year };
}

/** Applies the chain outside in; a wrapper that does not match leaves the line as it is from there on. */
export function unwrapWith(chain: readonly WrapperId[], line: string, ctx: UnwrapContext): Delivered {
  let text = line;
  let time: EpochMs | null = null;
  let digits = 0;
  let name: string | null = null;
  let stream: Delivered['stream'] = null;
  let partial = false;
  let matched = 0;
  for (const id of chain) {
    const def: WrapperDef = WRAPPER_BY_ID[id];
    const r = def.kind === 'prefix' ? applyPrefix(def, text, ctx) : applyJson(def, text);
    if (r === null) break;
    matched++;
    text = r.text;
    if (r.time !== null) {
      time = r.time;
      digits = def.digits ?? 0;
    }
    name = r.name ?? name;
    stream = r.stream ?? stream;
    partial = partial || r.partial;
  }
  return { text, time, digits, name, stream, partial, matched };
}

interface Step {
  readonly text: string;
  readonly time: EpochMs | null;
  readonly name: string | null;
  readonly stream: 'stdout' | 'stderr' | null;
  readonly partial: boolean;
}

function applyPrefix(def: PrefixWrapper, line: string, ctx: UnwrapContext): Step | null {
  const m = def.re.exec(line);
  if (m === null) return null;
  const g = m.groups ?? {};
  const s = g['s'];
  return {
    text: line.slice(m[0].length),
    time: g['t'] === undefined ? null : readTime(def, g['t'], ctx),
    name: g['n'] ?? null,
    stream: s === 'stdout' || s === 'stderr' ? s : null,
    partial: g['p'] === 'P',
  };
}

function applyJson(def: JsonWrapper, line: string): Step | null {
  if (line.charCodeAt(0) !== 123 /* { */) return null;
  const obj = parseJsonObject(line);
  if (obj === null) return null;
  for (const k of def.required) if (!(k in obj)) return null;
  let text = messageText(obj[def.message]);
  if (text === null) return null;
  let partial = false;
  if (def.partialWithoutNewline) {
    if (text.endsWith('\n')) text = text.slice(0, -1);
    else partial = true;
  } else if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const rawTime = obj[def.timeKey];
  let time: EpochMs | null = null;
  if (def.time === 'epoch-us' && typeof rawTime === 'string' && /^\d{1,17}$/.test(rawTime)) time = epochMicrosToEpochMs(Number(rawTime));
  else if (def.time === 'rfc3339' && typeof rawTime === 'string') time = readIsoTime(rawTime);
  const st = def.streamKey === null ? undefined : obj[def.streamKey];
  let name: string | null = null;
  for (const k of def.nameKeys) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '') {
      name = v;
      break;
    }
  }
  return { text, time, name, stream: st === 'stdout' || st === 'stderr' ? st : null, partial };
}

/** journald writes a MESSAGE that is not valid UTF-8 as an array of bytes. */
function messageText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return null;
}

function readTime(def: WrapperDef, text: string, ctx: UnwrapContext): EpochMs | null {
  switch (def.time) {
    case 'rfc3339':
      return readIsoTime(text);
    case 'syslog':
      return readSyslog(text, ctx);
    case 'local': {
      const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
      if (!m) return null;
      return ctx.zone.toEpochMs({ year: +m[1]!, month: +m[2]! - 1, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms: 0 });
    }
    default:
      return null;
  }
}

const SYSLOG_PARTS = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

function readSyslog(text: string, ctx: UnwrapContext): EpochMs | null {
  const m = SYSLOG_PARTS.exec(text);
  if (!m) return null;
  const month = MONTHS[m[1]!];
  if (month === undefined) return null;
  const ms = m[6] === undefined ? 0 : +m[6].padEnd(3, '0').slice(0, 3);
  return ctx.zone.toEpochMs({ year: ctx.year, month, day: +m[2]!, hour: +m[3]!, minute: +m[4]!, second: +m[5]!, ms });
}
