/**
 * The shapes of the app's own lines: a slow-request middleware line in any prefix, a Python logging
 * line of a known layout (generic: it says "app logging", not which request), and NDJSON request
 * objects, by the field names the NDJSON parser maps.
 */
import type { LineShape } from '../shape.js';
import { NDJSON_DURATIONS, NDJSON_FIELDS } from './ndjson.js';
import { splitPythonLogLine } from './python-logging.js';
import { findMiddlewareMessage } from './text.js';

export const APP_MIDDLEWARE_SHAPE: LineShape = {
  name: 'app middleware',
  layer: 'app',
  ambiguous: false,
  test: (inner) => findMiddlewareMessage(inner) !== null,
};

/** Any Python logging line of a layout we know; it says "app", not which request. */
export const PYTHON_LOGGING_SHAPE: LineShape = {
  name: 'python logging',
  layer: 'app',
  ambiguous: true,
  test: (inner) => splitPythonLogLine(inner) !== null,
};

/**
 * A line that starts with Python logging's asctime with milliseconds ("2024-01-02 03:04:05,123"),
 * whatever layout follows: a Python process's line (nginx prints no milliseconds there).
 */
export const PYTHON_ASCTIME_START_SHAPE: LineShape = {
  name: 'python asctime',
  layer: 'app',
  ambiguous: true,
  test: (inner) => /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}[,.]\d{3}/.test(inner),
};

/** Keys that mark an NDJSON request object (the parser's own field names). */
export const APP_JSON_KEYS: readonly string[] = [
  ...NDJSON_DURATIONS.map((d) => d.name), ...NDJSON_FIELDS.path, ...NDJSON_FIELDS.requestId, 'status_code', ...NDJSON_FIELDS.method,
];

export const appJsonScore = (keys: ReadonlySet<string>): number => APP_JSON_KEYS.filter((k) => keys.has(k)).length;
