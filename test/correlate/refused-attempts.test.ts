/**
 * A request every upstream refused never reached the app, so no app record can be its own. The lines
 * follow samples/combined's gunicorn_restart (nginx combined, error_log at error, the app's "Slow
 * request" middleware line, gunicorn 20.1.0 stopping): a background GET /slow arrives after gunicorn
 * closed its sockets and is refused on both servers, while t0057's GET /slow, accepted before the
 * stop, is still finishing. nginx logs the refused 502 first, in the same second as t0057's 200; the
 * combined format has no request id and no $request_time, so only a time window joins the app's line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestsOfLogs } from '../helpers.js';

const ACCESS = [
  '127.0.0.1 - - [25/Nov/2026:21:49:17 +0000] "GET /slow?seconds=0.2&dt=t0056 HTTP/1.1" 200 13 "-" "droptrace-harness/background"',
  '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /slow?seconds=0.2&dt=t0064 HTTP/1.1" 502 157 "-" "droptrace-harness/background"',
  '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /slow?seconds=1&dt=t0057 HTTP/1.1" 200 13 "-" "droptrace-harness/gunicorn_restart"',
  '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /api/items/20?dt=t0058 HTTP/1.1" 502 157 "-" "droptrace-harness/gunicorn_restart"',
];
const refused = (tag: string, path: string, port: number) =>
  `2026/11/25 21:49:19 [error] 29493#29493: *51 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET ${path}?${tag} HTTP/1.1", upstream: "http://127.0.0.1:${port}${path}?${tag}", host: "127.0.0.1:38807"`;
const ERROR = [
  refused('seconds=0.2&dt=t0064', '/slow', 40989), refused('seconds=0.2&dt=t0064', '/slow', 41981),
  refused('dt=t0058', '/api/items/20', 40989), refused('dt=t0058', '/api/items/20', 41981),
];
const GUNICORN = [
  '[2026-11-25 21:49:17 +0000] [29769] [INFO] Booting worker with pid: 29769',
  '2026-11-25 21:49:17,412 WARNING app.requests: Slow request: 0.20s GET /slow',
  '[2026-11-25 21:49:18 +0000] [29489] [INFO] Handling signal: term',
  '[2026-11-25 21:49:18 +0000] [29769] [INFO] Shutting down',
  '[2026-11-25 21:49:18 +0000] [29769] [INFO] Waiting for connections to close. (CTRL+C to force quit)',
  '2026-11-25 21:49:19,426 WARNING app.requests: Slow request: 1.00s GET /slow',
  '[2026-11-25 21:49:19 +0000] [29769] [INFO] Worker exiting (pid: 29769)',
  '[2026-11-25 21:49:19 +0000] [29489] [INFO] Shutting down: Master',
  '[2026-11-25 21:49:21 +0000] [29801] [INFO] Starting gunicorn 20.1.0',
];

interface Req { uri: string; verdict: string; evidence: { verdict: { level: string; missing?: string } }; app: { status: number | null; match: string | null } | null }

/** `error` null: no nginx error log given; `logFormat`: the access log's log_format (combined when absent). */
async function requestsOf(t: { after: (fn: () => void) => void }, access: string[], error: string[] | null = ERROR, logFormat?: string): Promise<Req[]> {
  const logs = { 'access.log': access, ...(error ? { 'error.log': error } : {}), 'gunicorn.log': GUNICORN };
  return requestsOfLogs<Req>(t, logs, ['--tz', 'UTC', ...(logFormat ? ['--log-format', logFormat] : [])]);
}

const byTag = (reqs: Req[], tag: string): Req => {
  const r = reqs.find((x) => x.uri.endsWith(tag));
  assert.ok(r, `no request ${tag}`);
  return r;
};

test('a 502 refused on every upstream takes no app line by time: upstream_unavailable, and the in-flight request keeps its own "Slow request" line', async (t) => {
  const reqs = await requestsOf(t, ACCESS);
  const lost = byTag(reqs, 't0064');
  assert.equal(lost.verdict, 'upstream_unavailable');
  assert.equal(lost.app, null, 'no app record: no upstream accepted the connection');
  assert.equal(lost.evidence.verdict.level, 'exact');
  const answered = byTag(reqs, 't0057');
  assert.equal(answered.verdict, 'ok');
  assert.equal(answered.app?.match, 'time_window', 'the 1.00 s Slow request line is t0057\'s');
  assert.equal(byTag(reqs, 't0058').verdict, 'upstream_unavailable');
});

test('a request refused on one server and answered by the next still joins the app\'s line by time', async (t) => {
  // nginx tried the next server after the refusal, and that one answered: an upstream accepted it
  const access = ['127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /slow?seconds=1&dt=t0057 HTTP/1.1" 200 13 "-" "droptrace-harness/gunicorn_restart"'];
  const reqs = await requestsOf(t, access, [refused('seconds=1&dt=t0057', '/slow', 40989)]);
  const r = byTag(reqs, 't0057');
  assert.equal(r.verdict, 'ok');
  assert.equal(r.app?.match, 'time_window');
});

/** The harness's timing log_format without the ids: $request_time, every $upstream_* and $msec. */
const TIMING_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status" msec=$msec';

test('without the error log nothing says a 502 was refused: $upstream_status "502" is upstream_error that cannot tell why, a lone "-" nginx\'s own 502', async (t) => {
  // the same restart as above, logged with $upstream_*: the refused 502s carry "502" (an address
  // each, or the upstream's name once nginx had marked both down) and no header; no error log given
  const access = [
    '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /slow?seconds=0.2&dt=t0064 HTTP/1.1" 502 157 "-" "droptrace-harness/background" rt=0.001 uct="-, -" uht="-, -" urt="0.000, 0.000" ua="127.0.0.1:40989, 127.0.0.1:41981" us="502, 502" msec=1795643359.420',
    '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /slow?seconds=1&dt=t0057 HTTP/1.1" 200 13 "-" "droptrace-harness/gunicorn_restart" rt=1.003 uct="0.000" uht="1.002" urt="1.002" ua="127.0.0.1:40989" us="200" msec=1795643359.428',
    '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /api/items/20?dt=t0058 HTTP/1.1" 502 157 "-" "droptrace-harness/gunicorn_restart" rt=0.000 uct="-" uht="-" urt="0.000" ua="app" us="502" msec=1795643359.500',
    '127.0.0.1 - - [25/Nov/2026:21:49:19 +0000] "GET /api/items/21?dt=t0059 HTTP/1.1" 502 157 "-" "droptrace-harness/gunicorn_restart" rt=0.000 uct="-" uht="-" urt="-" ua="-" us="-" msec=1795643359.600',
  ];
  const reqs = await requestsOf(t, access, null, TIMING_FORMAT);
  for (const tag of ['t0064', 't0058']) {
    const r = byTag(reqs, tag);
    assert.equal(r.verdict, 'upstream_error', tag);
    assert.equal(r.evidence.verdict.level, 'cannot_tell', tag);
    assert.match(r.evidence.verdict.missing ?? '', /nginx error-log line/, tag);
  }
  const own = byTag(reqs, 't0059');
  assert.deepEqual([own.verdict, own.evidence.verdict.level], ['rejected_by_proxy', 'exact'], 'no upstream was used: $upstream_status is "-"');
  assert.equal(byTag(reqs, 't0057').app?.match, 'time_window', 'the 1.00 s Slow request line is still t0057\'s');
  // the same 502s with the error log's refusals: now they are said to be refused
  const withErrors = await requestsOf(t, access, ERROR, TIMING_FORMAT);
  assert.deepEqual(['t0064', 't0058'].map((tag) => byTag(withErrors, tag).verdict), ['upstream_unavailable', 'upstream_unavailable']);
});
