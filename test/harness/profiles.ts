/**
 * Deployment profiles: what the logs of one run look like. A profile is data — the nginx log_format,
 * the error_log level, the Python logging layout, the server's TZ — so a new look is a new entry here.
 */

export type ProfileName = 'combined' | 'timing' | 'json' | 'zone' | 'delivery';

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
  /** More access logs nginx writes the same traffic to, each in its own log_format (logs/<file>) */
  readonly extraAccessLogs?: readonly { readonly file: string; readonly name: string; readonly escape: 'default' | 'json'; readonly text: string }[];
  /** More files the app's middleware logger writes to, each in its own Python logging layout (logs/<file>) */
  readonly extraPythonLogs?: readonly { readonly file: string; readonly format: string }[];
  /** Directives added to nginx's http block (the maps that stand in for ingress-nginx's variables) */
  readonly extraHttp?: readonly string[];
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

/** The delivery profile's extra access logs: layouts that start with the time, or carry no brackets. */
const DELIVERY_ACCESS = [
  { file: 'access-iso.log', name: 'iso', escape: 'default', text: '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent rt=$request_time us="$upstream_status" ua="$upstream_addr" urt="$upstream_response_time" rid=$request_id' },
  { file: 'access-msec.log', name: 'msec', escape: 'default', text: '$msec $remote_addr "$request" $status $request_time "$upstream_status" "$upstream_addr" "$upstream_response_time" $request_id' },
  { file: 'access-keys.json', name: 'keys', escape: 'json', text: '{"at":"$time_iso8601","client":"$remote_addr","req":"$request","code":"$status","took":"$request_time","up_status":"$upstream_status","up_addr":"$upstream_addr","up_time":"$upstream_response_time","rid":"$request_id"}' },
  // ingress-nginx's upstreaminfo, its controller's variables given by maps in the http block (extraHttp)
  { file: 'access-upstreaminfo.log', name: 'upstreaminfo', escape: 'default', text: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id' },
  { file: 'access-tsv.log', name: 'tsv', escape: 'default', text: '$time_local\t$remote_addr\t$request\t$status\t$request_time\t$upstream_status\t$upstream_addr\t$upstream_response_time\t$request_id' },
] as const;
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
  delivery: {
    name: 'delivery',
    description: 'timing, and nginx writing the same traffic to five more access logs (time first: $time_iso8601, $msec; ingress-nginx upstreaminfo; escape=json with its own keys; tab-separated), the app logging in two more Python layouts',
    tz: 'UTC',
    logFormat: { name: 'timing', escape: 'default', text: TIMING_TEXT },
    errorLogLevel: 'info',
    pythonLogFormat: PY_WITH_PID,
    appNdjson: true,
    uvicornAccessLog: true,
    extraAccessLogs: DELIVERY_ACCESS,
    extraHttp: [
      'map $host $proxy_upstream_name { default default-app-80; }',
      'map $host $proxy_alternative_upstream_name { default ""; }',
      'map $request_id $req_id { default $request_id; }',
    ],
    extraPythonLogs: [
      { file: 'app-stdlib.log', format: '%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s' },
      { file: 'app-dashes.log', format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s' },
    ],
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
