import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildModel } from '../../src/nginx-conf/effective.js';
import { loadNginxConf } from '../../src/nginx-conf/load.js';
import { selectLocation } from '../../src/nginx-conf/location-match.js';
import type { NginxModel } from '../../src/nginx-conf/model.js';
import { conf, fixture, writeTemp } from './helpers.js';

function model(path: string): NginxModel {
  const r = loadNginxConf(path);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return buildModel(r.value);
}
const of = (http: string): NginxModel => model(join(writeTemp({ 'nginx.conf': conf(http) }), 'nginx.conf'));

test('effective: defaults when nothing is set, cited as "default"', () => {
  const m = of('server { listen 80; location / { proxy_pass http://127.0.0.1:8000; } }');
  const loc = m.servers[0]?.locations[0];
  assert.ok(loc);
  for (const [k, v] of [['proxy_read_timeout', 60], ['proxy_connect_timeout', 60], ['proxy_send_timeout', 60], ['keepalive_timeout', 75], ['client_body_timeout', 60], ['send_timeout', 60]] as const) {
    assert.equal(loc.settings[k]?.seconds, v, k);
    assert.equal(loc.settings[k]?.source, 'default', k);
  }
  assert.equal(loc.settings['proxy_http_version']?.value, '1.0');
  assert.equal(loc.settings['proxy_next_upstream']?.value, 'error timeout');
  assert.equal(loc.connectionHeader.value, 'close');
  assert.deepEqual(loc.errorLogs.map((e) => e.level), ['error']);
  assert.deepEqual(loc.accessLogs.map((a) => a.format), ['combined']);
});

test('effective: http → server → location → nested location inheritance, each citing its line', () => {
  const m = of(`proxy_read_timeout 30s;
server {
  listen 80;
  proxy_read_timeout 40s;
  location / {
    proxy_pass http://127.0.0.1:8000;
    location /deep { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 1m30s; }
  }
  location /other { proxy_pass http://127.0.0.1:8000; }
}
server { listen 81; location / { proxy_pass http://127.0.0.1:8000; } }`);
  const [a, b] = m.servers;
  const get = (loc: string | undefined, s = a) => s?.locations.find((l) => l.match === loc)?.settings['proxy_read_timeout'];
  assert.equal(get('/')?.seconds, 40);
  assert.match(get('/')?.source ?? '', /nginx\.conf:6$/);
  assert.equal(get('/deep')?.seconds, 90);
  assert.equal(a?.locations.find((l) => l.match === '/deep')?.parent, '/');
  assert.equal(get('/other')?.seconds, 40);
  assert.equal(get('/', b)?.seconds, 30);
  assert.match(get('/', b)?.source ?? '', /nginx\.conf:3$/);
});

test('effective: one proxy_set_header in a location drops the inherited ones (nginx array merge)', () => {
  const m = of(`proxy_http_version 1.1;
proxy_set_header Connection "";
server { listen 80;
  location /a { proxy_pass http://u; }
  location /b { proxy_pass http://u; proxy_set_header X-Request-ID $request_id; }
}
upstream u { server 127.0.0.1:8000; keepalive 4; }`);
  const loc = (p: string) => m.servers[0]?.locations.find((l) => l.match === p);
  assert.equal(loc('/a')?.connectionHeader.value, '');
  assert.equal(loc('/b')?.connectionHeader.value, 'close');
  assert.equal(loc('/a')?.proxyPass?.upstream, 'u');
});

test('effective: upstream keepalive settings with their defaults', () => {
  const m = model(fixture('minimal/nginx.conf'));
  const u = m.upstreams[0];
  assert.equal(u?.keepalive.value, '8');
  assert.equal(u?.keepaliveTimeout.seconds, 60);
  assert.match(u?.keepaliveTimeout.source ?? '', /^default/);
  assert.equal(u?.keepaliveRequests.value, '1000');
});

test('effective: WebSocket locations are recognised with a literal or mapped Connection header', () => {
  const site = model(fixture('site/nginx.conf'));
  const ws = site.servers.flatMap((s) => s.locations).filter((l) => l.websocket).map((l) => l.match);
  assert.deepEqual(ws, ['/ws/']);
  const min = model(fixture('minimal/nginx.conf'));
  assert.deepEqual(min.servers[0]?.locations.filter((l) => l.websocket).map((l) => l.match), ['/socket']);
});

test('effective: access_log and error_log per server, with location overrides and levels', () => {
  const m = model(fixture('site/nginx.conf'));
  const api = m.servers.find((s) => s.name === 'api.example.test');
  const admin = m.servers.find((s) => s.name === 'admin.example.test');
  assert.deepEqual(api?.accessLogs.map((a) => [a.path, a.format]), [['logs/api.access.log', 'timed']]);
  assert.deepEqual(api?.errorLogs.map((e) => e.level), ['info']);
  assert.deepEqual(admin?.accessLogs.map((a) => a.format), ['combined']);
  // admin inherits the main-level error_log with level warn
  assert.deepEqual(admin?.errorLogs.map((e) => [e.path, e.level]), [['logs/error.log', 'warn']]);
  assert.deepEqual(api?.locations.find((l) => l.match === '= /healthz')?.accessLogs.map((a) => a.path), ['off']);
  assert.deepEqual(api?.names, ['api.example.test', 'api-internal.example.test']);
});

test('selectLocation: exact, ^~, regex in order, longest prefix', () => {
  const m = of(`server { listen 80;
  location / { proxy_pass http://a; }
  location /api/ { proxy_pass http://a; }
  location ^~ /static/ { proxy_pass http://a; }
  location ~ \\.php$ { proxy_pass http://a; }
  location = /api/x { proxy_pass http://a; }
}`);
  const locs = m.servers[0]?.locations ?? [];
  const pick = (u: string): string | undefined => selectLocation(locs, u)?.match;
  assert.equal(pick('/api/x'), '= /api/x');
  assert.equal(pick('/api/y'), '/api/');
  assert.equal(pick('/api/y.php'), '~ \\.php$');
  assert.equal(pick('/static/a.php'), '^~ /static/');
  assert.equal(pick('/other'), '/');
});
