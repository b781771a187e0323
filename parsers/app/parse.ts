/** The app's parsers, bound once per file: its middleware text log and its NDJSON request log. */
import type { LineParser, ParserOptions } from '../result.js';
import type { AppRequestRecord } from './record.js';
import type { PythonLayout } from './python-logging.js';
import { createAppTextLineParser } from './text.js';
import { createAppNdjsonLineParser } from './ndjson.js';

export function createAppTextParser(opts: ParserOptions & { readonly appLayouts?: readonly PythonLayout[] }): LineParser<AppRequestRecord> {
  return createAppTextLineParser(opts);
}

export function createAppNdjsonParser(opts: ParserOptions): LineParser<AppRequestRecord> {
  return createAppNdjsonLineParser(opts);
}
