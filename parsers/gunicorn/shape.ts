/**
 * The shapes of gunicorn's and uvicorn's stderr lines, from the parser's own tables (patterns.ts):
 * a line in one of gunicorn's or uvicorn's layouts, a Python logging line from a gunicorn/uvicorn
 * logger, a bare uvicorn access message, and gunicorn's access line. The parser reads the same
 * lines with the same patterns, so detection and parsing cannot disagree.
 */
import type { LineShape } from '../shape.js';
import { splitPythonLogLine } from '../app/python-logging.js';
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
