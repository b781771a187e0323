/**
 * Log lines as each layer writes them, for the incidents rendered in test/report/incidents (issue 15):
 * nginx's combined and a timing log_format, nginx's error log, gunicorn's and uvicorn's stderr, the
 * app middleware's line. Times are epoch ms, printed in UTC the way each layer prints them.
 */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 05/Dec/2026:10:00:00 +0000 */
function timeLocal(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
/** 2026/12/05 10:00:00 */
const errorTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/');
/** 2026-12-05 10:00:00 */
const isoSeconds = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export interface AccessLine {
  readonly end: number;
  readonly method?: string;
  readonly uri: string;
  readonly status: number;
  readonly agent?: string;
  /** seconds ($request_time) */
  readonly rt?: number;
  /** per attempt: status, connect, header, response seconds (null = "-"), addr */
  readonly attempts?: readonly { status: number | null; connect: number | null; header: number | null; response: number | null; addr: string }[];
}

/** nginx's `combined`: no $request_time, no $upstream_*. */
export function combined(a: AccessLine): string {
  return `127.0.0.1 - - [${timeLocal(a.end)}] "${a.method ?? 'GET'} ${a.uri} HTTP/1.1" ${a.status} 157 "-" "${a.agent ?? 'python-requests/2.31'}"`;
}

/** A timing log_format (the one TIMING_FORMAT names), with $msec for millisecond ends. */
export const TIMING_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status" msec=$msec';

export function timing(a: AccessLine): string {
  const at = a.attempts ?? [];
  const list = (f: (x: (typeof at)[number]) => string) => (at.length ? at.map(f).join(', ') : '-');
  const s = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  return `127.0.0.1 - - [${timeLocal(a.end)}] "${a.method ?? 'GET'} ${a.uri} HTTP/1.1" ${a.status} 157 "-" "${a.agent ?? 'python-requests/2.31'}" ` +
    `rt=${(a.rt ?? 0).toFixed(3)} uct="${list((x) => s(x.connect))}" uht="${list((x) => s(x.header))}" urt="${list((x) => s(x.response))}" ` +
    `ua="${list((x) => x.addr)}" us="${list((x) => (x.status === null ? '-' : String(x.status)))}" msec=${(a.end / 1000).toFixed(3)}`;
}

const ERRORS = {
  closed: 'upstream prematurely closed connection while reading response header from upstream',
  reset: 'recv() failed (104: Connection reset by peer) while reading response header from upstream',
  refused: 'connect() failed (111: Connection refused) while connecting to upstream',
  client: 'client prematurely closed connection while reading upstream',
} as const;

export function nginxError(ms: number, kind: keyof typeof ERRORS, method: string, uri: string, level = 'error', cid = 1): string {
  const lvl = kind === 'client' ? 'info' : level;
  return `${errorTime(ms)} [${lvl}] 42#42: *${cid} ${ERRORS[kind]}, client: 127.0.0.1, server: localhost, request: "${method} ${uri} HTTP/1.1", upstream: "http://127.0.0.1:8000${uri}", host: "localhost"`;
}

/** gunicorn's stderr: `[2026-12-05 10:00:00 +0000] [100] [CRITICAL] WORKER TIMEOUT (pid:101)` */
export function gunicorn(ms: number, pid: number, level: string, message: string): string {
  return `[${isoSeconds(ms)} +0000] [${pid}] [${level}] ${message}`;
}

/** uvicorn run alone with a stdlib logging config: `2026-12-05 10:00:00,123 INFO [9] uvicorn.error: Started server process [9]` */
export function uvicorn(ms: number, pid: number, message: string): string {
  return `${isoSeconds(ms)},${pad(new Date(ms).getUTCMilliseconds(), 3)} INFO [${pid}] uvicorn.error: ${message}`;
}

/** The app middleware's slow-request line, with the worker's pid. */
export function slowRequest(ms: number, pid: number, elapsedS: number, method: string, path: string): string {
  return `${isoSeconds(ms)},${pad(new Date(ms).getUTCMilliseconds(), 3)} WARNING [${pid}] app: Slow request: ${elapsedS.toFixed(2)}s ${method} ${path}`;
}
