/** Rules about nginx → gunicorn/uvicorn: read timeouts, the upstream keepalive pool, retries, WebSockets. */
import { chainValue } from '../chain.js';
import { reusesUpstreamConnections, said, secs, setting, type AuditRule, type RuleHit } from './rule.js';

export const proxyReadBelowWorkerTimeout: AuditRule = {
  id: 'proxy-read-below-worker-timeout',
  severity: 'warn',
  summary: "nginx gives up on a sync worker before gunicorn's timeout would stop it.",
  evidence:
    "For gunicorn's sync workers `timeout` bounds one request (the worker cannot heartbeat while it runs). If proxy_read_timeout is shorter, nginx answers 504 and the worker keeps running the request — busy, serving nobody — until it finishes or is killed at `timeout`.",
  fix: 'Set gunicorn --timeout below proxy_read_timeout (the worker is recycled first and nginx logs 502), or give the app its own deadline below both.',
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      const app = l.app;
      if (!app || app.model !== 'sync' || !app.timeout || app.timeout.seconds === null) return [];
      const pr = setting(l, 'proxy_read_timeout');
      if (pr.seconds === null || pr.seconds >= app.timeout.seconds) return [];
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', 'proxy_read_timeout', pr), chainValue('gunicorn', 'timeout', app.timeout)],
          message:
            `nginx gives up after ${said(pr)} and answers 504 ("upstream timed out (110: Connection timed out) while reading response header from upstream" in its error log); ` +
            `the sync worker keeps working for up to ${said(app.timeout)}, then either logs a 200 nobody received or "WORKER TIMEOUT" in gunicorn's log. Meanwhile it serves no one else.`,
          fix: `Set gunicorn \`--timeout ${Math.max(1, Math.floor(pr.seconds - 5))}\` (seconds; below proxy_read_timeout), or raise \`proxy_read_timeout\` above ${secs(app.timeout.seconds)} in ${l.link.location}.`,
        },
      ];
    });
  },
};

export const upstreamKeepaliveOutlivesApp: AuditRule = {
  id: 'upstream-keepalive-outlives-app',
  severity: 'error',
  summary: "nginx keeps idle upstream connections longer than the app server's keep-alive.",
  evidence:
    "The app server closes an idle connection after its keep-alive (gunicorn `keepalive`, default 2s, which UvicornWorker also uses; uvicorn's --timeout-keep-alive, default 5s); nginx's upstream `keepalive_timeout` (default 60s) decides how long it will reuse one. A request written into a connection the app is closing gets a reset.",
  fix: "Make the app server's keep-alive longer than the upstream keepalive_timeout (or lower that below it).",
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      const app = l.app;
      if (!app || !app.keepAlive || app.keepAlive.seconds === null || !l.upstream || !reusesUpstreamConnections(l)) return [];
      const kt = l.upstream.keepaliveTimeout;
      if (kt.seconds === null || kt.seconds <= app.keepAlive.seconds) return [];
      const appSetting = app.kind === 'gunicorn' ? 'keepalive' : 'timeout_keep_alive';
      const flag = app.kind === 'gunicorn' ? '--keep-alive' : '--timeout-keep-alive';
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', `upstream ${l.upstream.name} keepalive_timeout`, kt), chainValue(app.kind, appSetting, app.keepAlive)],
          message:
            `nginx may reuse an idle connection to ${app.kind} for ${said(kt)}, ${app.kind} closes it after ${said(app.keepAlive)}. ` +
            `A request sent as ${app.kind} closes the connection fails with 502: nginx's error log says "upstream prematurely closed connection while reading response header" or "recv() failed (104: Connection reset by peer)", and ${app.kind} logs nothing. nginx retries it once on a new connection when it can (not a POST whose body was sent).`,
          fix: `Start ${app.kind} with \`${flag} ${Math.ceil(kt.seconds + 5)}\` (seconds), or set \`keepalive_timeout ${secs(Math.max(1, app.keepAlive.seconds - 1))};\` in upstream ${l.upstream.name}.`,
        },
      ];
    });
  },
};

export const upstreamKeepaliveWithoutHttp11: AuditRule = {
  id: 'upstream-keepalive-without-http11',
  severity: 'warn',
  summary: 'An upstream keepalive pool that the location never uses.',
  evidence:
    'nginx talks HTTP/1.0 to upstreams by default (proxy_http_version 1.0) and sends "Connection: close"; the `keepalive` pool only works with `proxy_http_version 1.1` and `proxy_set_header Connection ""` (ngx_http_upstream_keepalive_module docs).',
  fix: 'Add `proxy_http_version 1.1;` and `proxy_set_header Connection "";` to the location (or to server/http level, minding that a proxy_set_header at a level drops the inherited ones).',
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      if (!l.upstream || l.upstream.keepalive.value === '' || l.location.websocket || reusesUpstreamConnections(l)) return [];
      const hv = setting(l, 'proxy_http_version');
      const conn = l.location.connectionHeader;
      const wrong = [hv.value !== '1.1' ? `proxy_http_version is ${said(hv)}` : '', conn.value !== '' ? `the Connection header is "${conn.value}" (${conn.source})` : ''].filter((s) => s !== '');
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', `upstream ${l.upstream.name} keepalive`, l.upstream.keepalive), chainValue('nginx', 'proxy_http_version', hv), chainValue('nginx', 'proxy_set_header Connection', conn)],
          message: `upstream ${l.upstream.name} declares a pool (${said(l.upstream.keepalive)}) but ${wrong.join(' and ')}: every request opens a new connection. Not a failure, but $upstream_connect_time is paid on each request, and the keep-alive rules do not apply here.`,
          fix: `Add \`proxy_http_version 1.1;\` and \`proxy_set_header Connection "";\` in ${l.link.location}.`,
        },
      ];
    });
  },
};

export const proxyReadTimeoutCeiling: AuditRule = {
  id: 'proxy-read-timeout-ceiling',
  severity: 'warn',
  summary: 'proxy_read_timeout above 300s.',
  evidence: 'A read timeout of many minutes means a stuck request never surfaces as a 504: slow paths hide, workers pile up behind them, and LBs (ALB max 4000s, most defaults 60s) usually cut first anyway.',
  fix: 'Keep proxy_read_timeout at or below 300s; move long work to a job queue with polling, or give only the route that needs it a longer timeout.',
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      const pr = setting(l, 'proxy_read_timeout');
      if (pr.seconds === null || pr.seconds <= 300 || l.location.websocket) return [];
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', 'proxy_read_timeout', pr)],
          message: `nginx waits up to ${said(pr)} for a response: a hung request ties up a worker that long and never shows as a 504, so the slow path stays invisible in the access log.`,
          fix: `Lower \`proxy_read_timeout\` to 300s or less in ${l.link.location}, and move long-running work out of the request.`,
        },
      ];
    });
  },
};

export const websocketDefaultReadTimeout: AuditRule = {
  id: 'websocket-default-read-timeout',
  severity: 'warn',
  summary: 'A WebSocket location left with a short read timeout (the 60s default, or a value inherited from plain HTTP locations).',
  evidence:
    'On an upgraded connection nginx applies proxy_read_timeout between two frames from the upstream: a socket silent for 60s is closed, unless the server pings more often (uvicorn pings every 20s by default; many apps disable it).',
  fix: 'Set a long proxy_read_timeout (e.g. 1h) in the WebSocket location, and keep server pings below it.',
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      const pr = setting(l, 'proxy_read_timeout');
      // Set in the WebSocket location itself and above 60s: someone chose it.
      if (!l.location.websocket || pr.seconds === null || pr.seconds > 60) return [];
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', 'proxy_read_timeout', pr)],
          message: `${l.link.location} proxies WebSocket upgrades with proxy_read_timeout ${said(pr)}: a connection with no frame from the app for ${secs(pr.seconds)} is closed. nginx logs the 101 with a $request_time that ends ${secs(pr.seconds)} after the last frame, and "upstream timed out (110: Connection timed out) while proxying upgraded connection" in its error log.`,
          fix: `Add \`proxy_read_timeout 1h;\` (and proxy_send_timeout) in ${l.link.location}; keep the app's ping interval below it.`,
        },
      ];
    });
  },
};

export const retryCanCascade: AuditRule = {
  id: 'retry-can-cascade',
  severity: 'warn',
  summary: 'A request that blocks one worker can be retried onto the next.',
  evidence:
    'proxy_next_upstream (default "error timeout") resends a failed request to the next server, with no limit on tries by default. Even with one upstream server, nginx adds a try when a reused (keepalive) connection fails (ngx_http_upstream_next: peer.cached), so a request whose worker was killed is sent again — to another worker.',
  fix: 'Drop `timeout` from proxy_next_upstream for slow routes, and bound retries with proxy_next_upstream_tries 2 and proxy_next_upstream_timeout.',
  check({ links }) {
    return links.flatMap((l): RuleHit[] => {
      const nu = setting(l, 'proxy_next_upstream');
      const tries = setting(l, 'proxy_next_upstream_tries');
      if (nu.value === 'off' || tries.value === '1') return [];
      const conds = nu.value.split(' ');
      const servers = l.upstream?.servers.length ?? 1;
      const onTimeout = servers > 1 && (conds.includes('timeout') || conds.includes('http_504') || conds.includes('http_502'));
      const onReuse = reusesUpstreamConnections(l) && conds.includes('error');
      if (!onTimeout && !onReuse) return [];
      const pr = setting(l, 'proxy_read_timeout');
      const why = onTimeout
        ? `${servers} upstream servers and proxy_next_upstream ${said(nu)}: a request that holds one worker for ${secs(pr.seconds)} is resent to the next, which it holds too — up to ${tries.value === '0' ? servers : tries.value}×${secs(pr.seconds)} before the client hears anything`
        : `a request whose worker died mid-request on a reused connection is resent on a fresh one, even to the single server — a request that blocks and kills one worker then blocks the next`;
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('nginx', 'proxy_next_upstream', nu), chainValue('nginx', 'proxy_next_upstream_tries', tries), chainValue('nginx', 'proxy_read_timeout', pr)],
          message: `${why}. In the logs: $upstream_addr and $upstream_status list several attempts ("127.0.0.1:8000, 127.0.0.1:8001" / "504, 504"), and the app logs the same request (same X-Request-ID) more than once.`,
          fix: `In ${l.link.location}: \`proxy_next_upstream error;\` (no timeout retries) and \`proxy_next_upstream_tries 2; proxy_next_upstream_timeout ${secs(pr.seconds)};\`, or \`proxy_next_upstream off;\` for non-idempotent or expensive routes.`,
        },
      ];
    });
  },
};
