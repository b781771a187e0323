/**
 * The common layouts of Python `logging` lines, as data: each a named regex whose capture names are
 * the fields (time, pid, level, logger, msg). The app text parser and the gunicorn stream parser both
 * split lines with these, then look at the message. The layouts are mutually exclusive: the examples
 * test checks that no example line matches two of them.
 */
import { CLOCK_SOURCE } from './clock.js';

export interface PythonLayout {
  readonly name: string;
  /** The `logging.Formatter` format string the layout stands for (documentation and tests). */
  readonly format: string;
  readonly re: RegExp;
}

const T = `(?<time>${CLOCK_SOURCE})`;
/** Python's level names (and loguru's SUCCESS, uvicorn's TRACE); `WARN`/`FATAL` are logging aliases. */
export const LEVEL_SOURCE = 'TRACE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|SUCCESS|NOTSET';
const L = `(?<level>${LEVEL_SOURCE})`;
const N = String.raw`(?<logger>[A-Za-z_][\w.<>-]*)`;

const layout = (name: string, format: string, source: string): PythonLayout => ({ name, format, re: new RegExp(source) });

export const PYTHON_LAYOUTS: readonly PythonLayout[] = [
  // droptrace's harness and most services: "2024-01-02 03:04:05,123 [42] WARNING app.requests: Slow …";
  // pid and logger optional.
  layout('python_asctime', '%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s',
    String.raw`^${T}(?: \[(?<pid>\d+)\])? ${L} (?!\[\d+\] )(?:${N}: )?(?<msg>.*)$`),
  // The stdlib-style layout with the pid after the level (issue 13's repro):
  // "2024-01-02 03:04:05,123 WARNING [42] app.requests: Slow request: 25.03s GET /slow".
  layout('python_asctime_level_pid', '%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s',
    String.raw`^${T} ${L} \[(?<pid>\d+)\] (?:${N}: )?(?<msg>.*)$`),
  // The logging cookbook's layout: "2024-01-02 03:04:05,123 - webapp - INFO - handler started".
  layout('python_dash', '%(asctime)s - %(name)s - %(levelname)s - %(message)s',
    String.raw`^${T} - ${N} - ${L} - (?<msg>.*)$`),
  // No time: "uvicorn.error - INFO - Shutting down" (a custom uvicorn log config); a leading token
  // ("uvicorn.error uvicorn.error - …") is a second %(name)s some configs print.
  layout('python_name_dash', '%(name)s - %(levelname)s - %(message)s',
    String.raw`^(?:[\w.]+ )?${N} - ${L} - (?<msg>.*)$`),
  // Level first: "[INFO] 2024-05-05 19:07:03,251 gunicorn.error: Worker exiting (pid: 42)".
  layout('python_level_first', '[%(levelname)s] %(asctime)s %(name)s: %(message)s',
    String.raw`^\[${L}\] ${T} ${N}: (?<msg>.*)$`),
  // Flask's documented layout: "[2024-01-02 03:04:05,123] INFO in views: …".
  layout('python_flask', '[%(asctime)s] %(levelname)s in %(module)s: %(message)s',
    String.raw`^\[${T}\] ${L} in ${N}: (?<msg>.*)$`),
  // logging.basicConfig()'s default: "WARNING:root:disk almost full".
  layout('python_basic', '%(levelname)s:%(name)s:%(message)s', String.raw`^${L}:${N}:(?<msg>.*)$`),
  // loguru's default sink: "2025-04-12 10:33:33.862 | INFO     | shop.api:login:27 - message".
  layout('loguru', '{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}',
    String.raw`^${T} \| ${L} *\| (?<logger>\S+) - (?<msg>.*)$`),
];

export interface PythonLogLine {
  readonly layout: string;
  readonly timeText: string | null;
  readonly pid: number | null;
  readonly level: string | null;
  readonly logger: string | null;
  readonly message: string;
}

/**
 * Splits a line by the first layout that matches (the user's own compiled formats first), or null
 * when none does. `%(msecs)03d` after a fraction-less asctime becomes its fraction; `%(created)f`
 * (epoch seconds) stands for the time when the format has no asctime.
 */
export function splitPythonLogLine(line: string, own: readonly PythonLayout[] = []): PythonLogLine | null {
  for (const layouts of [own, PYTHON_LAYOUTS]) {
    for (const l of layouts) {
      const m = l.re.exec(line);
      if (!m?.groups) continue;
      const g = m.groups;
      let timeText = g['time'] ?? null;
      if (timeText !== null && g['msecs'] !== undefined && !/:\d{2}[,.]\d/.test(timeText)) {
        timeText = timeText.replace(/(:\d{2})(?=$|[ +Z-])/, `$1.${g['msecs'].split('.')[0]!.padStart(3, '0')}`);
      }
      if (timeText === null && g['created'] !== undefined) timeText = g['created'];
      return {
        layout: l.name,
        timeText,
        pid: g['pid'] === undefined ? null : Number(g['pid']),
        level: g['level'] ?? null,
        logger: g['logger'] ?? null,
        message: g['msg'] ?? '',
      };
    }
  }
  return null;
}

/** Every layout that matches (the examples test uses it to prove the layouts exclusive). */
export function matchingPythonLayouts(line: string): string[] {
  return PYTHON_LAYOUTS.filter((l) => l.re.test(line)).map((l) => l.name);
}
