/**
 * Renders the nginx.conf of one run, and the frame the LB stack's nginx.conf (test/harness/lb/confs.ts)
 * shares with it. Every path in it is relative to the run's folder, which nginx gets as its prefix
 * (`-p`), so the file can be copied into samples/ as it is.
 */
import type { Profile } from './profiles.js';

export interface StackTimeouts {
  /** nginx proxy_read_timeout, seconds: longer than the worst gunicorn kill delay (timeout + 1 s tick) */
  readonly proxyReadSeconds: number;
  /** gunicorn --timeout, seconds */
  readonly workerTimeoutSeconds: number;
  /** gunicorn --keep-alive, seconds: becomes uvicorn's timeout_keep_alive under the UvicornWorker */
  readonly upstreamKeepAliveSeconds: number;
  /** gunicorn --graceful-timeout, seconds */
  readonly gracefulSeconds: number;
}

export const DEFAULT_TIMEOUTS: StackTimeouts = {
  proxyReadSeconds: 5,
  workerTimeoutSeconds: 3,
  upstreamKeepAliveSeconds: 2,
  gracefulSeconds: 2,
};

export interface NginxConfInput {
  readonly profile: Profile;
  readonly listenPort: number;
  readonly upstreamPorts: readonly number[];
  readonly timeouts: StackTimeouts;
  /** client_max_body_size, so a scripted request can be refused with 413 */
  readonly maxBodyBytes: number;
}

export function renderNginxConf(input: NginxConfInput): string {
  const { profile, timeouts } = input;
  const format = profile.logFormat;
  const logFormatLines = format
    ? [
        `    log_format ${format.name}${format.escape === 'json' ? ' escape=json' : ''}`,
        `        '${format.text}';`,
      ]
    : [];
  const accessLog = format ? `logs/access.log ${format.name}` : 'logs/access.log';
  for (const extra of profile.extraAccessLogs ?? []) {
    logFormatLines.push(`    log_format ${extra.name}${extra.escape === 'json' ? ' escape=json' : ''}`, `        '${extra.text}';`);
  }
  const extraAccessLogs = (profile.extraAccessLogs ?? []).map((e) => `    access_log logs/${e.file} ${e.name};`);
  const servers = input.upstreamPorts.map(
    // max_fails=0: a failed attempt must not take the peer out for fail_timeout, or one scripted
    // failure would turn the next seconds of unrelated traffic into "no live upstreams" 502s.
    (port) => `        server 127.0.0.1:${port} max_fails=0;`,
  );
  return renderNginxFrame(`profile ${profile.name}: ${profile.description}`, profile.errorLogLevel, [
    ...logFormatLines,
    `    access_log ${accessLog};`,
    ...extraAccessLogs,
    ...(profile.extraHttp ?? []).map((d) => `    ${d}`),
    '',
    '    upstream app {',
    ...servers,
    '        keepalive 16;',
    // nginx keeps idle upstream connections 60 s by default; uvicorn closes them after its keep-alive.
    '        keepalive_timeout 60s;',
    '    }',
    '',
    '    server {',
    `        listen 127.0.0.1:${input.listenPort};`,
    '        server_name localhost;',
    `        client_max_body_size ${input.maxBodyBytes};`,
    '',
    '        location / {',
    '            proxy_pass http://app;',
    '            proxy_http_version 1.1;',
    '            proxy_set_header Connection "";',
    '            proxy_set_header Host $host;',
    '            proxy_set_header X-Request-ID $request_id;',
    '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '            proxy_connect_timeout 2s;',
    `            proxy_read_timeout ${timeouts.proxyReadSeconds}s;`,
    `            proxy_send_timeout ${timeouts.proxyReadSeconds}s;`,
    '            # nginx defaults, written out: a GET is retried on the next server after an error or',
    '            # a timeout, a POST is not (non_idempotent is off).',
    '            proxy_next_upstream error timeout;',
    '            proxy_next_upstream_tries 0;',
    '        }',
    '    }',
  ]);
}

/**
 * The frame every harness nginx.conf shares (the stack's and the LB stack's): one foreground worker, and
 * its pid, logs and temp files under the run's folder given as prefix (`nginx -p <run dir>`), so nginx
 * writes nothing outside the run and the file can be copied into samples/ as it is. `http` is the body of
 * the http{} block, already indented.
 */
export function renderNginxFrame(title: string, errorLogLevel: string, http: readonly string[]): string {
  return [
    `# droptrace harness, ${title}`,
    '# paths are relative to the prefix given with `nginx -p <run dir>`',
    'worker_processes 1;',
    'daemon off;',
    'user root;',
    'pid run/nginx.pid;',
    `error_log logs/error.log ${errorLogLevel};`,
    '',
    'events {',
    '    worker_connections 512;',
    '}',
    '',
    'http {',
    '    client_body_temp_path run/client_body;',
    '    proxy_temp_path run/proxy;',
    '    fastcgi_temp_path run/fastcgi;',
    '    uwsgi_temp_path run/uwsgi;',
    '    scgi_temp_path run/scgi;',
    '',
    ...http,
    '}',
    '',
  ].join('\n');
}
