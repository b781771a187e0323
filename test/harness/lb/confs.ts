/**
 * The LB stack's configs: HAProxy in front of nginx in front of a small upstream. HAProxy's
 * `timeout server` (2 s) is shorter than nginx's proxy_read_timeout (10 s): a slow answer is cut by
 * HAProxy, nginx logs 499. nginx's keepalive_timeout toward HAProxy (1 s) is shorter than HAProxy
 * keeps idle connections to it for reuse (pool-purge-delay 10 s, http-reuse always): the keep-alive
 * race. A backend whose server's port is closed: HAProxy's 503. HAProxy logs the httplog fields plus
 * `%bi:%bp` and `%ID` (sent to nginx as X-Request-ID) through syslog.
 */
import { renderNginxFrame } from '../nginx-conf.js';

export interface LbPorts {
  readonly haproxy: number;
  readonly nginx: number;
  readonly upstream: number;
  readonly dead: number;
  readonly syslog: number;
}

export const LB_TIMEOUTS = { haproxyServerS: 2, nginxProxyReadS: 10, nginxKeepaliveS: 1, haproxyPoolPurgeS: 10 } as const;

export const HAPROXY_LOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r %bi:%bp %ID';

export function renderHaproxyCfg(p: LbPorts): string {
  return [
    '# droptrace harness, lb profile: HAProxy in front of nginx',
    'global',
    `    log 127.0.0.1:${p.syslog} local0`,
    '    maxconn 256',
    '',
    'defaults',
    '    mode http',
    '    log global',
    `    log-format "${HAPROXY_LOG_FORMAT}"`,
    '    unique-id-format %[uuid()]',
    '    unique-id-header X-Request-ID',
    '    timeout connect 1s',
    '    timeout client 30s',
    `    timeout server ${LB_TIMEOUTS.haproxyServerS}s`,
    '    timeout http-request 10s',
    '    timeout http-keep-alive 30s',
    // No retry: a request that meets a closed connection is the client's 502, as the race really shows.
    '    retries 0',
    // Without it HAProxy does not notice a client that left while it waits for nginx, and logs its own
    // timeout (sH, 504) for a request the client had abandoned: with it, CH/CD at the moment it left.
    '    option abortonclose',
    // As most production configs: a connection that sent nothing (a port check) is not a request.
    '    option dontlognull',
    '    http-reuse always',
    '',
    'frontend fe',
    `    bind 127.0.0.1:${p.haproxy}`,
    '    use_backend dead if { path_beg /down }',
    '    default_backend be',
    '',
    'backend be',
    `    server nginx1 127.0.0.1:${p.nginx} pool-purge-delay ${LB_TIMEOUTS.haproxyPoolPurgeS}s`,
    '',
    'backend dead',
    `    server gone 127.0.0.1:${p.dead}`,
    '',
  ].join('\n');
}

export const NGINX_LB_FORMAT = '$remote_addr $remote_port [$time_local] "$request" $status $body_bytes_sent rt=$request_time us="$upstream_status" rid=$http_x_request_id msec=$msec';

export function renderLbNginxConf(p: LbPorts): string {
  return renderNginxFrame('lb profile: nginx behind HAProxy', 'info', [
    `    log_format lb '${NGINX_LB_FORMAT}';`,
    '    access_log logs/access.log lb;',
    `    keepalive_timeout ${LB_TIMEOUTS.nginxKeepaliveS}s;`,
    '    server {',
    `        listen 127.0.0.1:${p.nginx};`,
    '        location / {',
    `            proxy_pass http://127.0.0.1:${p.upstream};`,
    `            proxy_read_timeout ${LB_TIMEOUTS.nginxProxyReadS}s;`,
    '        }',
    '    }',
  ]);
}
