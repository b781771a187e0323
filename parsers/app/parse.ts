/** The app's parsers, bound once per file: its middleware text log and its NDJSON request log. */
import type { LineParser, ParserOptions } from '../result.js';
import type { AppRequestRecord } from './record.js';
import { createAppTextLineParser } from './text.js';
import { createAppNdjsonLineParser } from './ndjson.js';

export function createAppTextParser(opts: ParserOptions): LineParser<AppRequestRecord> {
  return createAppTextLineParser(opts);
}

export function createAppNdjsonParser(opts: ParserOptions): LineParser<AppRequestRecord> {
  return createAppNdjsonLineParser(opts);
}
