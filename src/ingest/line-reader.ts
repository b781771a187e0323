/**
 * A file's raw lines under its reading → parse results, each with the layer it went to. Per line:
 * the delivery wrapper is taken off (parts of a split line joined first), the line is routed (by its
 * stream name, else by the file's main layer; nginx access and error lines told apart by shape), parsed
 * by that layer's parser for that stream, and given the wrapper's time where its own is missing or
 * coarser. Each stream name has its own parsers, so a traceback stays with the process that wrote it.
 */
import type { ParseResult } from '../../parsers/result.js';
import { createUnwrapContext, unwrapWith, type Delivered, type UnwrapContext } from '../../parsers/delivery/unwrap.js';
import type { TableRecord } from '../store/writers.js';
import type { SourceType } from './detect.js';
import { createSourceParser, type SourceParser } from './sources.js';
import { groupOf, layerOfGroup, layerOfName, type FileReading, type LayerGroup } from './reading.js';
import type { EpochMs } from '../domain/units.js';
import { WHOLE_SECOND_MS, isWholeSecond } from '../domain/time.js';
import { NGINX_ERROR_SHAPE } from '../../parsers/nginx-error/shape.js';
import { NGINX_ACCESS_TEXT_SHAPE, NGINX_ACCESS_TIME_FIRST_SHAPE } from '../../parsers/nginx-access/shape.js';
import { PYTHON_STREAM_SHAPE } from '../../parsers/gunicorn/shape.js';

export interface RoutedResult {
  readonly layer: SourceType;
  readonly result: ParseResult<TableRecord>;
}

export interface LineReader {
  /** 0 results while a split line is held, more than one when an envelope held several lines. */
  read(raw: string): readonly RoutedResult[];
  /** A part of a split line is held in memory: a checkpoint now would lose it. */
  holding(): boolean;
  /** At the end of the input: the held parts whose last part never came, read as they are. */
  flush(): readonly RoutedResult[];
  /** Lines that went to each layer so far. */
  readonly linesPerLayer: Partial<Record<SourceType, number>>;
  /** Lines the reading's wrapper matched (the rest were read as they are). */
  readonly wrapped: { count: number };
}

export interface LineReaderOptions {
  readonly tz: string;
  /** Year of syslog/journald short times, which print none. */
  readonly year: number;
  /** `--layer-of` rules, consulted before the reading's own names. */
  readonly layerOf?: Readonly<Record<string, LayerGroup>>;
}

/**
 * The layer group a single line's shape says, for a stream name no rule or head line placed: the
 * shapes defined beside the parsers (parsers/<source>/shape.ts), the ones detection counts.
 */
export function groupOfLineShape(text: string): LayerGroup | null {
  if (NGINX_ERROR_SHAPE.test(text)) return 'nginx';
  if (PYTHON_STREAM_SHAPE.test(text)) return 'gunicorn';
  if (NGINX_ACCESS_TEXT_SHAPE.test(text) || NGINX_ACCESS_TIME_FIRST_SHAPE.test(text)) return 'nginx';
  return null;
}

export function createLineReader(reading: FileReading, opts: LineReaderOptions): LineReader {
  const ctx: UnwrapContext = createUnwrapContext(opts.tz, opts.year);
  const rules = opts.layerOf ?? {};
  const names = new Map<string, LayerGroup>(Object.entries(reading.names));
  /** Parsers per stream and layer: continuation state belongs to the process that wrote the line. */
  const parsers = new Map<string, SourceParser>();
  /** Parts of split lines, per stream. */
  const held = new Map<string, { text: string; first: Delivered }>();
  const linesPerLayer: Partial<Record<SourceType, number>> = {};
  const wrapped = { count: 0 };
  /** Per stream: did its last nginx line go to the error parser (for the error log's continuation lines)? */
  const lastWasError = new Set<string>();

  /** The unnamed stream's parsers by layer (every line of a plain file): no key to build per line. */
  const unnamed: Partial<Record<SourceType, SourceParser>> = {};
  const parserFor = (stream: string, layer: SourceType): SourceParser => {
    if (stream === '') return (unnamed[layer] ??= parserForKey(stream, layer));
    return parserForKey(stream, layer);
  };
  const parserForKey = (stream: string, layer: SourceType): SourceParser => {
    const key = `${stream}\u0000${layer}`;
    let p = parsers.get(key);
    if (!p) {
      p = createSourceParser(layer, {
        tz: opts.tz,
        variant: layer === 'nginx-access' ? (reading.access === 'json' ? 'json' : null) : layer === 'app' ? reading.app : null,
        access: reading.access === 'json' ? null : reading.access,
        appLogFormats: reading.python?.app_log_formats ?? [],
        gunicornAccessFormat: reading.python?.access_log_format ?? null,
      });
      parsers.set(key, p);
    }
    return p;
  };

  const groupFor = (d: Delivered): LayerGroup => {
    if (d.name === null) return groupOf(reading.main);
    const known = names.get(d.name);
    if (known !== undefined) return known;
    const ruled = layerOfName(d.name, rules);
    // A name first seen past the head: its first line's shape places it, else the main layer does.
    const g = ruled ?? groupOfLineShape(d.text) ?? groupOf(reading.main);
    names.set(d.name, g);
    return g;
  };

  const route = (d: Delivered): RoutedResult => {
    const stream = d.name ?? '';
    const group = groupFor(d);
    let layer: SourceType;
    let result: ParseResult<TableRecord>;
    if (group === 'nginx') {
      if (NGINX_ERROR_SHAPE.test(d.text)) {
        layer = 'nginx-error';
        result = parserFor(stream, layer).parse(d.text);
        lastWasError.add(stream);
      } else {
        layer = 'nginx-access';
        result = parserFor(stream, layer).parse(d.text);
        if (result.kind === 'reject' && lastWasError.has(stream)) {
          // A line of a multi-line error record (FastCGI's stderr), not a broken access line.
          const e = parserFor(stream, 'nginx-error').parse(d.text);
          if (e.kind !== 'reject') {
            layer = 'nginx-error';
            result = e;
          }
        } else lastWasError.delete(stream);
      }
    } else {
      layer = layerOfGroup(group);
      result = parserFor(stream, layer).parse(d.text);
    }
    linesPerLayer[layer] = (linesPerLayer[layer] ?? 0) + 1;
    return { layer, result: d.time === null ? result : withWrapperTime(result, d.time, d.digits) };
  };

  return {
    linesPerLayer,
    wrapped,
    holding: () => held.size > 0,
    flush() {
      const out = [...held.values()].map((h) => route({ ...h.first, text: h.text, partial: false }));
      held.clear();
      return out;
    },
    read(raw) {
      const d = unwrapWith(reading.chain, raw, ctx);
      if (d.matched > 0) wrapped.count++;
      // nothing held and nothing to hold (every line of a plain file): no key to build and hash
      if (!d.partial && held.size === 0 && !d.text.includes('\n')) return [route(d)];
      const key = `${d.name ?? ''}\u0000${d.stream ?? ''}`;
      const before = held.get(key);
      if (d.partial) {
        if (before) before.text += d.text;
        else held.set(key, { text: d.text, first: d });
        return [];
      }
      let whole = d;
      if (before) {
        held.delete(key);
        // The joined line keeps its first part's time: when the program started writing it.
        whole = { ...before.first, text: before.text + d.text, partial: false };
      }
      if (whole.text.includes('\n')) {
        // journald's MESSAGE and docker's log can hold several lines: each is a line of the program's.
        return whole.text.split('\n').map((t) => route({ ...whole, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
      }
      return [route(whole)];
    },
  };
}

/**
 * The wrapper's time where the line has none (uvicorn prints none), or where the line's own is whole
 * seconds and the wrapper's falls within that second (gunicorn's `[… +0000]` under `docker logs -t`).
 * nginx access times are left as logged: their resolution is reported per request.
 */
function withWrapperTime(r: ParseResult<TableRecord>, wrapperTime: EpochMs, digits: number): ParseResult<TableRecord> {
  if (r.kind !== 'record') return r;
  const rec = r.record;
  const own = rec.row.time;
  let time: EpochMs | null = null;
  if (own === null) time = wrapperTime;
  else if (rec.table !== 'nginx_access' && digits > 0 && isWholeSecond(own) && wrapperTime - own >= 0 && wrapperTime - own < WHOLE_SECOND_MS) time = wrapperTime;
  if (time === null || time === own) return r;
  return { ...r, record: { table: rec.table, row: { ...rec.row, time } } as TableRecord };
}
