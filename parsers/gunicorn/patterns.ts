/**
 * gunicorn's and uvicorn's stderr as data: the line layouts (how a line is framed: time, pid,
 * level) and the messages (which event a line reports), each with the versions that print it.
 * Capture names are the record's fields. Both tables are mutually exclusive within themselves; the
 * examples test proves it and that every entry has an example.
 */
import type { GunicornEvent, ServerLogSource } from './record.js';
import { TIME_LOCAL_SOURCE } from '../nginx-access/variables.js';

export interface LayoutPattern {
  readonly name: string;
  readonly versions: string;
  /** What decides the source of a line in this layout: fixed, by its logger name, or by its message. */
  readonly source: 'gunicorn' | 'uvicorn';
  readonly re: RegExp;
}

const LEVEL = '(?<level>TRACE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)';
/**
 * gunicorn's time since 19.1.1: datefmt "[%Y-%m-%d %H:%M:%S %z]" (glogging.py, unchanged through 23.x
 * and 26.x); a custom datefmt may drop the offset (then --tz applies). The layout and the "starts like
 * gunicorn" reject below share it, so they cannot disagree on the prefix.
 */
const BRACKETED_TIME = String.raw`\[(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\]`;

export const LAYOUTS: readonly LayoutPattern[] = [
  {
    // %(asctime)s [%(process)d] [%(levelname)s] %(message)s with datefmt "[%Y-%m-%d %H:%M:%S %z]".
    // One paste shows "[pid]:" (a custom access/error format). An empty message ("[DEBUG]" then a
    // multi-line text) is allowed.
    name: 'gunicorn',
    versions: '19.1.1+ (default logconfig; the same in 20.x-26.x)',
    source: 'gunicorn',
    re: new RegExp(String.raw`^${BRACKETED_TIME} \[(?<pid>\d+)\]:? \[(?<level>[A-Z]+)\](?: (?<msg>.*))?$`),
  },
  {
    // 0.x to 19.1: the same format with datefmt "%Y-%m-%d %H:%M:%S", local time without a zone.
    name: 'gunicorn_0x',
    versions: '0.x-19.1',
    source: 'gunicorn',
    re: /^(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \[(?<pid>\d+)\] \[(?<level>[A-Z]+)\](?: (?<msg>.*))?$/,
  },
  {
    // "[%(levelname)s] %(message)s" (docs' demo captures, some container configs): no time, no pid.
    name: 'gunicorn_level_only',
    versions: 'any (custom logconfig; 24.x docs demo)',
    source: 'gunicorn',
    re: new RegExp(String.raw`^\[${LEVEL}\] (?!\d{4}-\d{2}-\d{2}[ T])(?<msg>.*)$`),
  },
  {
    // uvicorn's default "%(levelprefix)s %(message)s": "INFO:     " (level + colon padded to 9
    // columns) since 0.11; 0.10-era and some forks print "INFO: " with one space.
    name: 'uvicorn',
    versions: 'uvicorn 0.10+ (default formatter; one space before 0.11)',
    source: 'uvicorn',
    re: new RegExp(String.raw`^${LEVEL}: +(?<msg>\S.*)$`),
  },
  {
    // Custom uvicorn formatters that drop the colon: "INFO   10.0.0.1:37120 - "GET / HTTP/1.1" 200".
    name: 'uvicorn_no_colon',
    versions: 'uvicorn (custom formatter "%(levelname)-6s %(message)s")',
    source: 'uvicorn',
    re: new RegExp(String.raw`^${LEVEL} {2,}(?<msg>\S.*)$`),
  },
];

/** A gunicorn-looking start whose layout then fails: such a line is broken, not an app print. */
export const GUNICORN_PREFIX = new RegExp(String.raw`^${BRACKETED_TIME} \[`);

export interface MessagePattern {
  readonly name: string;
  readonly event: GunicornEvent;
  readonly source: ServerLogSource;
  readonly versions: string;
  readonly re: RegExp;
}

export const MESSAGES: readonly MessagePattern[] = [
  { name: 'starting', event: 'starting', source: 'gunicorn', versions: 'all', re: /^Starting gunicorn (?<version>\S+)$/ },
  { name: 'listening', event: 'listening', source: 'gunicorn', versions: 'all ("(pid)" since 0.15)', re: /^Listening at: (?<listen>\S+)(?: \((?<masterPid>\d+)\))?$/ },
  { name: 'using_worker', event: 'using_worker', source: 'gunicorn', versions: '0.12+', re: /^Using worker: (?<workerClass>\S+)$/ },
  { name: 'booting_worker', event: 'booting_worker', source: 'gunicorn', versions: '0.12+', re: /^Booting worker with pid: (?<workerPid>\d+)$/ },
  { name: 'worker_spawned', event: 'booting_worker', source: 'gunicorn', versions: '0.x (before 0.12)', re: /^Worker spawned \(pid: (?<workerPid>\d+)\)$/ },
  { name: 'worker_timeout', event: 'worker_timeout', source: 'gunicorn', versions: 'all', re: /^WORKER TIMEOUT \(pid: ?(?<workerPid>\d+)\)$/ },
  { name: 'worker_signaled', event: 'worker_signaled', source: 'gunicorn', versions: '20.0-20.1', re: /^Worker with pid (?<workerPid>\d+) was terminated due to signal (?<signal>\d+)$/ },
  { name: 'worker_exited', event: 'worker_exited', source: 'gunicorn', versions: '20.1+ (trailing "." in 22+)', re: /^Worker \(pid:(?<workerPid>\d+)\) exited with code (?<exitCode>\d+)\.?$/ },
  { name: 'worker_sent_signal', event: 'worker_killed', source: 'gunicorn', versions: '21.0+ ("Perhaps out of memory?" after SIGKILL)', re: /^Worker \(pid:(?<workerPid>\d+)\) was sent (?<signalName>SIG[A-Z0-9]+)!(?: Perhaps out of memory\?)?$/ },
  { name: 'worker_sent_code', event: 'worker_exited', source: 'gunicorn', versions: '21.0+ (a status that is no signal)', re: /^Worker \(pid:(?<workerPid>\d+)\) was sent code (?<exitCode>\d+)!$/ },
  { name: 'worker_exiting', event: 'worker_exiting', source: 'gunicorn', versions: 'all', re: /^Worker exiting \(pid: ?(?<workerPid>\d+)\)$/ },
  { name: 'worker_graceful_timeout', event: 'worker_aborted', source: 'gunicorn', versions: '19.x+', re: /^Worker graceful timeout \(pid: ?(?<workerPid>\d+)\)$/ },
  { name: 'handling_signal', event: 'handling_signal', source: 'gunicorn', versions: 'all', re: /^Handling signal: (?<signalName>[a-z0-9]+)$/ },
  { name: 'shutting_down', event: 'shutting_down', source: 'gunicorn', versions: 'all', re: /^Shutting down: Master$/ },
  { name: 'reason', event: 'reason', source: 'gunicorn', versions: 'all', re: /^Reason: (?<reason>.+)$/ },
  { name: 'error_handling_request', event: 'error_handling_request', source: 'gunicorn', versions: 'all ("(no URI read)" / the URI since 19.x)', re: /^Error handling request(?: (?:\(no URI read\)|(?<uri>\S+)))?$/ },
  { name: 'worker_count', event: 'worker_count', source: 'gunicorn', versions: 'all (DEBUG)', re: /^(?<count>\d+) workers?$/ },
  { name: 'uvicorn_started', event: 'server_started', source: 'uvicorn', versions: 'uvicorn all', re: /^Started server process \[(?<workerPid>\d+)\]$/ },
  { name: 'uvicorn_startup', event: 'app_startup', source: 'uvicorn', versions: 'uvicorn all', re: /^(?:Waiting for application startup\.|Application startup complete\.|Application startup failed\. Exiting\.)$/ },
  { name: 'uvicorn_shutdown', event: 'app_shutdown', source: 'uvicorn', versions: 'uvicorn all', re: /^(?:Shutting down|Waiting for application shutdown\.|Application shutdown complete\.)$/ },
  { name: 'uvicorn_finished', event: 'app_shutdown', source: 'uvicorn', versions: 'uvicorn all', re: /^Finished server process \[(?<workerPid>\d+)\]$/ },
  {
    // uvicorn's other messages: no event of their own, but they tell the line is uvicorn's.
    name: 'uvicorn_message',
    event: 'log',
    source: 'uvicorn',
    versions: 'uvicorn all',
    re: /^(?:Exception in ASGI application|Invalid HTTP request received\.(?: .*)?|Uvicorn running on \S+(?: .*)?|ASGI 'lifespan' protocol appears unsupported\.|connection (?:open|closed)|Waiting for connections to close\..*|Waiting for background tasks to complete\..*)$/,
  },
  {
    // '%s - "%s %s HTTP/%s" %d' + reason phrase (0.11+); 0.x printed the client as a tuple repr
    // "('ip', port)"; under gunicorn's access log the phrase is missing.
    name: 'uvicorn_access',
    event: 'access',
    source: 'uvicorn_access',
    versions: 'uvicorn all ("(\'ip\', port)" before 0.11)',
    re: /^(?:(?<client>[^\s()]+:\d+)|\('(?<tupleHost>[^']*)', (?<tuplePort>\d+)\)) - "(?<method>[A-Z]+) (?<uri>\S+) HTTP\/(?<httpVersion>[\d.]+)" (?<status>\d{3})(?: (?<phrase>.+))?$/,
  },
];

/**
 * gunicorn's default access_log_format '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"', and
 * the default with atoms appended (the usual way to add %(D)s): without the declared format
 * (--gunicorn-access-format) the appended atoms are not read.
 */
export const GUNICORN_ACCESS = new RegExp(
  String.raw`^(?<client>\S+) \S+ \S+ \[(?<time>${TIME_LOCAL_SOURCE})\] "(?<method>[A-Z]+) (?<uri>\S+) HTTP\/[\d.]+" (?<status>\d{3}) (?:\d+|-)(?: "[^"]*" "[^"]*"(?: .*)?)?$`);

/** Signal names gunicorn logs ("Handling signal: term", "was sent SIGKILL!") → numbers (Linux). */
export const SIGNALS: Readonly<Record<string, number>> = {
  hup: 1, int: 2, quit: 3, ill: 4, abrt: 6, kill: 9, usr1: 10, segv: 11, usr2: 12, pipe: 13, alrm: 14,
  term: 15, chld: 17, cont: 18, stop: 19, ttin: 21, ttou: 22, winch: 28,
};
