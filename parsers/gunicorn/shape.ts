/**
 * The shapes of gunicorn's and uvicorn's stderr lines, from the parser's own tables (patterns.ts):
 * a line in one of gunicorn's or uvicorn's layouts, a Python logging line from a gunicorn/uvicorn
 * logger, a bare uvicorn access message, gunicorn's access line, any Python process's line (for
 * placing a stream), and whether a line's time carries its zone. The parser reads the same lines
 * with the same patterns, so detection, routing and parsing cannot disagree.
 */
import type { LineShape } from '../shape.js';
import { PYTHON_ASCTIME_START_SHAPE, PYTHON_LOGGING_SHAPE } from '../app/shape.js';
import { splitPythonLogLine } from '../app/python-logging.js';
import { isTraceMarker } from '../app/traceback.js';
import { GUNICORN_ACCESS, LAYOUTS, MESSAGES } from './patterns.js';

const isServerLogger = (logger: string | null): boolean =>
  logger !== null && (logger === 'gunicorn' || logger === 'uvicorn' || logger.startsWith('gunicorn.') || logger.startsWith('uvicorn.'));

const UVICORN_ACCESS_MESSAGE = MESSAGES.find((m) => m.name === 'uvicorn_access')!.re;

/** gunicorn's or uvicorn's own line: one of their layouts, or their logger's name in a Python layout. */
export const GUNICORN_SHAPE: LineShape = {
  name: 'gunicorn/uvicorn',
  layer: 'gunicorn',
  ambiguous: false,
  test: (inner) => LAYOUTS.some((l) => l.re.test(inner)) || isServerLogger(splitPythonLogLine(inner)?.logger ?? null) || UVICORN_ACCESS_MESSAGE.test(inner),
};

/**
 * gunicorn's access line with the default access_log_format: the same bytes as nginx's combined
 * line, so only the stream around it decides (gunicorn's lines present ⇒ gunicorn's access log).
 */
export const GUNICORN_ACCESS_SHAPE: LineShape = {
  name: 'gunicorn access (default access_log_format)',
  layer: 'gunicorn',
  ambiguous: true,
  test: (inner) => GUNICORN_ACCESS.test(inner),
};

/**
 * A Python process's line, as the gunicorn stream parser reads it: gunicorn's or uvicorn's own, any
 * Python logging layout or asctime-led line (the app's lines share gunicorn's stderr) or a
 * traceback's first line. It places a stream name first seen past a file's head
 * (src/ingest/line-reader.ts).
 */
export const PYTHON_STREAM_SHAPE: LineShape = {
  name: 'python process',
  layer: 'gunicorn',
  ambiguous: false,
  test: (inner) =>
    GUNICORN_SHAPE.test(inner) || PYTHON_LOGGING_SHAPE.test(inner) || PYTHON_ASCTIME_START_SHAPE.test(inner) || isTraceMarker(inner),
};

/** An offset or a Z at the end of a time, or epoch seconds (%(created)f): a time that says its zone. */
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$|^\d+(?:\.\d+)?$/;

/**
 * Whether the time this line carries, read by the parser's own layouts, has no zone (so --tz decides
 * it): gunicorn before 19.1.1, a custom datefmt without %z, Python's asctime. False for a line without
 * a time (uvicorn's, "[LEVEL]"-only): the wrapper's time or none stands for it.
 */
export function timeWithoutZone(inner: string): boolean {
  const layout = LAYOUTS.map((l) => l.re.exec(inner)).find((m) => m !== null);
  const time = layout !== undefined ? layout.groups?.['time'] ?? null : splitPythonLogLine(inner)?.timeText ?? null;
  return time !== null && !ZONED.test(time);
}
