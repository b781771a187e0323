import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_RULES } from '../../src/audit/index.js';
import { audit, rulesFired } from './helpers.js';

const SYNC = 'gunicorn -w 4 -t 30 -b 127.0.0.1:8000 app:app';
const UVI = 'gunicorn -w 4 -k uvicorn.workers.UvicornWorker -t 30 -b 127.0.0.1:8000 app:app';
const TIMED = `log_format t '$request_time $upstream_connect_time $upstream_header_time $upstream_response_time $upstream_status $upstream_addr $request_id';
access_log logs/a.log t; error_log logs/e.log info;`;
const srv = (loc: string, extra = ''): string => `${TIMED}\n${extra}\nserver { listen 80; location / { proxy_pass http://127.0.0.1:8000; ${loc} } }`;
const pool = (loc: string, up = '', extra = ''): string => `${TIMED}\n${extra}\nupstream app { server 127.0.0.1:8000; keepalive 8; ${up} }\nserver { listen 80; location / { proxy_pass http://app; ${loc} } }`;
const HTTP11 = 'proxy_http_version 1.1; proxy_set_header Connection "";';

const fires = (id: string, r: ReturnType<typeof audit>): boolean => rulesFired(r).includes(id);

test('rules: every rule has a unique id, a severity, a summary, evidence and a fix', () => {
  const ids = AUDIT_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of AUDIT_RULES) {
    assert.match(r.id, /^[a-z0-9-]+$/);
    assert.ok(['error', 'warn', 'info'].includes(r.severity));
    assert.ok(r.summary.length > 10 && r.evidence.length > 20 && r.fix.length > 10, r.id);
  }
});

test('rules: a tidy config with a timed log and info error_log has no findings', () => {
  const r = audit(srv('proxy_read_timeout 25s; proxy_next_upstream off;'), { cmd: 'gunicorn -w 4 -t 20 -b 127.0.0.1:8000 app:app', lbIdleTimeout: '30s' });
  assert.deepEqual(r.findings.map((f) => f.rule), []);
});

test('lb-idle-above-nginx-keepalive: fires when the LB idles longer than keepalive_timeout', () => {
  const r = audit(srv('', 'keepalive_timeout 30s;'), { lbIdleTimeout: '60' });
  assert.ok(fires('lb-idle-above-nginx-keepalive', r));
  const f = r.findings.find((x) => x.rule === 'lb-idle-above-nginx-keepalive');
  assert.equal(f?.severity, 'error');
  assert.deepEqual(f?.values.map((v) => [v.layer, v.setting, v.value_s]), [['lb', 'idle timeout', 60], ['nginx', 'keepalive_timeout', 30]]);
  assert.match(f?.values[1]?.source ?? '', /nginx\.conf:\d+$/);
  assert.match(f?.fix ?? '', /keepalive_timeout 1m15s/);
  assert.ok(!fires('lb-idle-above-nginx-keepalive', audit(srv(''), { lbIdleTimeout: '60' })), 'default 75s is above 60s');
  assert.ok(!fires('lb-idle-above-nginx-keepalive', audit(srv('', 'keepalive_timeout 0;'), { lbIdleTimeout: '60' })), 'keep-alive off');
});

test('lb-idle-below-proxy-read: fires when the LB would cut a slow response first', () => {
  assert.ok(fires('lb-idle-below-proxy-read', audit(srv('proxy_read_timeout 120s;'), { lbIdleTimeout: '60s' })));
  assert.ok(!fires('lb-idle-below-proxy-read', audit(srv('proxy_read_timeout 50s;'), { lbIdleTimeout: '60s' })));
  assert.ok(!fires('lb-idle-below-proxy-read', audit(srv('proxy_read_timeout 120s;'))), 'no LB given');
});

test('client-timeout-below-proxy-read: fires when the client gives up first', () => {
  assert.ok(fires('client-timeout-below-proxy-read', audit(srv(''), { clientTimeout: '30s' })));
  assert.ok(!fires('client-timeout-below-proxy-read', audit(srv(''), { clientTimeout: '90s' })));
});

test('proxy-read-below-worker-timeout: sync workers only', () => {
  const r = audit(srv('proxy_read_timeout 20s;'), { cmd: 'gunicorn -w 4 -t 60 -b 127.0.0.1:8000 app:app' });
  assert.ok(fires('proxy-read-below-worker-timeout', r));
  assert.match(r.findings.find((f) => f.rule === 'proxy-read-below-worker-timeout')?.fix ?? '', /--timeout 15`/);
  assert.ok(!fires('proxy-read-below-worker-timeout', audit(srv('proxy_read_timeout 20s;'), { cmd: 'gunicorn -w 4 -k uvicorn.workers.UvicornWorker -t 60 -b 127.0.0.1:8000 app:app' })));
  assert.ok(!fires('proxy-read-below-worker-timeout', audit(srv('proxy_read_timeout 90s;'), { cmd: 'gunicorn -w 4 -t 60 -b 127.0.0.1:8000 app:app' })));
  assert.ok(!fires('proxy-read-below-worker-timeout', audit(srv('proxy_read_timeout 20s;'), { cmd: 'gunicorn -w 4 -t 60 -b 127.0.0.1:9999 app:app' })), 'a different backend is not compared');
});

test('upstream-keepalive-outlives-app: only when connections are really reused and the app keeps them open', () => {
  const r = audit(pool(HTTP11), { cmd: UVI });
  assert.ok(fires('upstream-keepalive-outlives-app', r));
  const f = r.findings.find((x) => x.rule === 'upstream-keepalive-outlives-app');
  assert.deepEqual(f?.values.map((v) => [v.setting, v.value_s, v.source.startsWith('default')]), [['upstream app keepalive_timeout', 60, true], ['keepalive', 2, true]]);
  assert.ok(!fires('upstream-keepalive-outlives-app', audit(pool(HTTP11, 'keepalive_timeout 1s;'), { cmd: UVI })));
  assert.ok(!fires('upstream-keepalive-outlives-app', audit(pool(HTTP11), { cmd: SYNC })), 'sync workers close every connection');
  assert.ok(!fires('upstream-keepalive-outlives-app', audit(pool(''), { cmd: UVI })), 'HTTP/1.0: no reuse');
  assert.ok(fires('upstream-keepalive-outlives-app', audit(pool(HTTP11), { cmd: 'uvicorn app:app --port 8000 --workers 2' })), 'uvicorn 5s < 60s');
});

test('upstream-keepalive-without-http11: a pool the location cannot use', () => {
  assert.ok(fires('upstream-keepalive-without-http11', audit(pool(''))));
  assert.ok(fires('upstream-keepalive-without-http11', audit(pool('proxy_http_version 1.1;'))), 'Connection: close still sent');
  assert.ok(!fires('upstream-keepalive-without-http11', audit(pool(HTTP11))));
});

test('proxy-read-timeout-ceiling: above 300 s', () => {
  assert.ok(fires('proxy-read-timeout-ceiling', audit(srv('proxy_read_timeout 10m;'))));
  assert.ok(!fires('proxy-read-timeout-ceiling', audit(srv('proxy_read_timeout 300s;'))));
});

test('websocket-default-read-timeout: WebSocket location with ≤60s read timeout', () => {
  const ws = (more: string): string => srv(`proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; ${more}`);
  assert.ok(fires('websocket-default-read-timeout', audit(ws(''))));
  assert.ok(!fires('websocket-default-read-timeout', audit(ws('proxy_read_timeout 1h;'))));
  assert.ok(!fires('websocket-default-read-timeout', audit(srv(''))), 'not a WebSocket location');
});

test('retry-can-cascade: several servers with timeout retries, or reused connections with error retries', () => {
  const two = `${TIMED}\nupstream app { server 127.0.0.1:8000; server 127.0.0.1:8001; }\nserver { listen 80; location / { proxy_pass http://app; LOC } }`;
  assert.ok(fires('retry-can-cascade', audit(two.replace('LOC', ''))));
  assert.ok(!fires('retry-can-cascade', audit(two.replace('LOC', 'proxy_next_upstream_tries 1;'))));
  assert.ok(!fires('retry-can-cascade', audit(two.replace('LOC', 'proxy_next_upstream error;'))));
  assert.ok(fires('retry-can-cascade', audit(pool(HTTP11))), 'one server, but a reused connection that fails is retried');
  assert.ok(!fires('retry-can-cascade', audit(srv(''))), 'one server, no pool');
});

test('single-worker: one worker, sync or async; not with threads', () => {
  assert.ok(fires('single-worker', audit(undefined, { cmd: 'gunicorn app:app' })));
  assert.ok(fires('single-worker', audit(undefined, { cmd: 'uvicorn app:app' })));
  assert.ok(!fires('single-worker', audit(undefined, { cmd: 'gunicorn -w 3 app:app' })));
  assert.ok(!fires('single-worker', audit(undefined, { cmd: 'gunicorn --threads 8 app:app' })));
});

test('async-worker-timeout-is-heartbeat: info for non-sync gunicorn workers only', () => {
  const r = audit(undefined, { cmd: UVI });
  assert.equal(r.findings.find((f) => f.rule === 'async-worker-timeout-is-heartbeat')?.severity, 'info');
  assert.ok(!fires('async-worker-timeout-is-heartbeat', audit(undefined, { cmd: SYNC })));
  assert.ok(!fires('async-worker-timeout-is-heartbeat', audit(undefined, { cmd: 'uvicorn app:app --workers 2' })));
});

test('access-log-missing-timing: combined lacks everything; off is reported; a timed format passes', () => {
  const r = audit('server { listen 80; location / { proxy_pass http://127.0.0.1:8000; } }');
  const f = r.findings.find((x) => x.rule === 'access-log-missing-timing');
  assert.match(f?.message ?? '', /lacks \$request_time/);
  assert.match(f?.message ?? '', /\$request_id/);
  assert.ok(fires('access-log-missing-timing', audit(srv('access_log off;'))));
  assert.ok(!fires('access-log-missing-timing', audit(srv(''))));
  // $request_time alone is not $request_timex: variable names are matched whole
  assert.ok(fires('access-log-missing-timing', audit(srv('', "log_format short '$request_time $upstream_response_time';").replace('access_log logs/a.log t;', 'access_log logs/a.log short;'))));
});

test('error-log-level-hides-aborts: fires above info, not at info or debug', () => {
  assert.ok(fires('error-log-level-hides-aborts', audit('server { listen 80; location / { proxy_pass http://127.0.0.1:8000; } }')));
  assert.ok(fires('error-log-level-hides-aborts', audit(srv('error_log logs/l.log warn;'))), 'location override');
  assert.ok(!fires('error-log-level-hides-aborts', audit(srv(''))));
  assert.ok(!fires('error-log-level-hides-aborts', audit(srv('error_log logs/l.log debug;'))));
});

test('findings are sorted by severity, server, location, rule — stable JSON', () => {
  const r = audit(pool('proxy_read_timeout 10m;'), { cmd: 'gunicorn -k uvicorn.workers.UvicornWorker app:app', lbIdleTimeout: '90s' });
  const order = { error: 0, warn: 1, info: 2 };
  const sev = r.findings.map((f) => order[f.severity]);
  assert.deepEqual(sev, [...sev].sort((a, b) => a - b));
  assert.deepEqual(Object.keys(r.findings[0] ?? {}), ['rule', 'severity', 'server', 'location', 'values', 'message', 'fix']);
  assert.deepEqual(Object.keys(r.findings[0]?.values[0] ?? {}), ['layer', 'setting', 'value', 'value_s', 'source']);
});
