/**
 * Deployment profiles: what the logs of one run look like. A profile is data — the nginx log_format,
 * the error_log level, the Python logging layout, the server's TZ — so a new look is a new entry here.
 */

export type ProfileName = 'combined' | 'timing' | 'json' | 'zone';

export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  /** IANA zone given to nginx and gunicorn as TZ (nginx keeps TZ for its workers) */
  readonly tz: string;
  /** null: nginx's predefined `combined` format (no log_format directive) */
  readonly logFormat: { readonly name: string; readonly escape: 'default' | 'json'; readonly text: string } | null;
  readonly errorLogLevel: 'error' | 'warn' | 'notice' | 'info';
  /** Python logging format of the middleware's text lines */
  readonly pythonLogFormat: string;
  /** Whether the app writes its NDJSON request log (logs/app.ndjson) */
  readonly appNdjson: boolean;
  /** gunicorn `--access-logfile -`: uvicorn's access lines on stdout, merged into gunicorn.log */
  readonly uvicornAccessLog: boolean;
}

const TIMING_VARIABLES = [
  ['remote_addr', '$remote_addr'],
  ['time_local', '$time_local'],
  ['msec', '$msec'],
  ['request', '$request'],
  ['status', '$status'],
  ['body_bytes_sent', '$body_bytes_sent'],
  ['request_time', '$request_time'],
  ['upstream_addr', '$upstream_addr'],
  ['upstream_status', '$upstream_status'],
  ['upstream_connect_time', '$upstream_connect_time'],
  ['upstream_header_time', '$upstream_header_time'],
  ['upstream_response_time', '$upstream_response_time'],
  ['request_id', '$request_id'],
  ['connection', '$connection'],
  ['connection_requests', '$connection_requests'],
] as const;

// A text layout an operator would write by hand: combined's head, then key=value timings. Values
// with commas and colons ($upstream_status "502, 200") stay quoted.
const TIMING_TEXT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ' +
  '"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" ' +
  'uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" ' +
  'us="$upstream_status" rid=$request_id cn=$connection cr=$connection_requests msec=$msec';

const JSON_TEXT =
  '{' +
  [
    ['time', '$time_iso8601'],
    ...TIMING_VARIABLES.filter(([k]) => k !== 'time_local'),
    ['method', '$request_method'],
    ['uri', '$request_uri'],
    ['user_agent', '$http_user_agent'],
  ]
    .map(([k, v]) => `"${k}":"${v}"`)
    .join(',') +
  '}';

const PY_WITH_PID = '%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s';
const PY_WITHOUT_PID = '%(asctime)s %(levelname)s %(name)s: %(message)s';

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  combined: {
    name: 'combined',
    description: 'defaults everywhere: nginx combined access log, error_log at error, no pid in app lines, no NDJSON',
    tz: 'UTC',
    logFormat: null,
    errorLogLevel: 'error',
    pythonLogFormat: PY_WITHOUT_PID,
    appNdjson: false,
    uvicornAccessLog: false,
  },
  timing: {
    name: 'timing',
    description: 'log_format with upstream timings, request_id and connection reuse; error_log at info; pid in app lines; NDJSON; UTC',
    tz: 'UTC',
    logFormat: { name: 'timing', escape: 'default', text: TIMING_TEXT },
    errorLogLevel: 'info',
    pythonLogFormat: PY_WITH_PID,
    appNdjson: true,
    uvicornAccessLog: true,
  },
  json: {
    name: 'json',
    description: 'escape=json access log with the timing variables; error_log at info; NDJSON; TZ Asia/Kolkata',
    tz: 'Asia/Kolkata',
    logFormat: { name: 'json', escape: 'json', text: JSON_TEXT },
    errorLogLevel: 'info',
    pythonLogFormat: PY_WITH_PID,
    appNdjson: true,
    uvicornAccessLog: false,
  },
  zone: {
    name: 'zone',
    description: 'combined access log, error_log at warn, no pid in app lines, no NDJSON; TZ Asia/Kolkata (+05:30): only $time_local carries the offset',
    tz: 'Asia/Kolkata',
    logFormat: null,
    errorLogLevel: 'warn',
    pythonLogFormat: PY_WITHOUT_PID,
    appNdjson: false,
    uvicornAccessLog: true,
  },
};

export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}
