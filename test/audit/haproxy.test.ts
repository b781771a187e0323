/**
 * The load balancer in the chain: haproxy.cfg's timeouts per section (defaults inherited, named
 * defaults followed, ms without a unit), `--lb-provider` defaults, and the two rules they feed —
 * nginx's keepalive_timeout not above the LB's idle reuse, and the LB's wait below proxy_read_timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHaproxyConf, parseHaproxyTime, haproxyEdges } from '../../src/audit/haproxy-conf.js';
import { runAudit } from '../../src/audit/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit, conf, rulesFired, writeTemp } from './helpers.js';
import { repoRoot } from '../support/repo-root.js';

const CFG = join(repoRoot(), 'test', 'fixtures', 'haproxy', 'haproxy.cfg');

test('haproxy_times_are_milliseconds_without_a_unit', () => {
  assert.deepEqual(['8000', '30s', '5m', '1h', '250ms', 'x'].map(parseHaproxyTime), [8, 30, 300, 3600, 0.25, null]);
});

test('haproxy_sections_inherit_their_defaults_and_cite_file_line', () => {
  const conf = parseHaproxyConf(readFileSync(CFG, 'utf8'), 'haproxy.cfg');
  const be = conf.sections.find((s) => s.name === 'be')!;
  assert.equal(be.timeouts.server!.seconds, 8);
  assert.equal(be.timeouts.server!.source, 'haproxy.cfg:21');
  assert.equal(be.timeouts['http-keep-alive']!.seconds, 2);
  assert.equal(be.timeouts.connect!.source, 'haproxy.cfg:10');
  assert.equal(be.poolPurgeDelay!.seconds, 10);
  const reports = conf.sections.find((s) => s.name === 'reports')!;
  assert.equal(reports.timeouts.server!.seconds, 300);
  const edges = haproxyEdges(conf);
  assert.equal(edges.wait!.seconds, 8);
  assert.match(edges.wait!.value, /timeout server 8000 \(backend be\)/);
  assert.equal(edges.keepIdle.seconds, 10);
});

test('haproxy_in_front_fires_both_lb_rules_against_nginx', () => {
  const nginx = 'keepalive_timeout 5s;\nserver { listen 80; location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 60s; } }';
  const r = audit(nginx, { haproxyConf: CFG });
  assert.deepEqual(rulesFired(r).filter((x) => x.startsWith('lb-')), ['lb-idle-above-nginx-keepalive', 'lb-idle-below-proxy-read']);
  const below = r.findings.find((f) => f.rule === 'lb-idle-below-proxy-read')!;
  assert.ok(below.values.some((v) => v.layer === 'lb' && v.source.endsWith('haproxy.cfg:21')));
  const ka = r.findings.find((f) => f.rule === 'lb-idle-above-nginx-keepalive')!;
  assert.ok(ka.values.some((v) => v.layer === 'lb' && v.setting === 'idle connection reuse' && v.value_s === 10));
  // nginx keeps its connections longer than HAProxy reuses them: no race.
  const calm = audit('keepalive_timeout 75s;\nserver { listen 80; location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 5s; } }', { haproxyConf: CFG });
  assert.deepEqual(rulesFired(calm).filter((x) => x.startsWith('lb-')), []);
  assert.ok(calm.inputs.notes.some((n) => n.startsWith('haproxy backend be')));
});

test('lb_provider_gives_the_vendors_default_idle_timeout', () => {
  const nginx = 'server { listen 80; location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 45s; } }';
  const gcp = audit(nginx, { lbProvider: 'gcp' });
  const f = gcp.findings.find((x) => x.rule === 'lb-idle-below-proxy-read')!;
  assert.ok(f, 'GCP 30 s < proxy_read_timeout 45 s');
  assert.match(f.values.find((v) => v.layer === 'lb')!.source, /default for --lb-provider gcp/);
  assert.ok(!rulesFired(audit(nginx, { lbProvider: 'alb' })).includes('lb-idle-below-proxy-read'), 'ALB 60 s > 45 s');
  assert.ok(!rulesFired(audit(nginx, { lbProvider: 'gcp', lbIdleTimeout: '90s' })).includes('lb-idle-below-proxy-read'), 'the flag wins over the default');
  const h = runAudit({ nginxConf: undefined, cmd: 'gunicorn -b 127.0.0.1:8000 app:app', lbProvider: 'haproxy' });
  assert.ok(!h.ok && h.error.kind === 'usage' && /--haproxy-conf/.test(h.error.fix));
});

test('probe_through_haproxy_names_its_timeout_server_when_that_clock_fired', async () => {
  const { findMatches } = await import('../../src/probe/matches.js');
  const nginx = join(writeTemp({ 'nginx.conf': conf('server { listen 8081; location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 60s; } }') }), 'nginx.conf');
  const out = runAudit({ nginxConf: nginx, haproxyConf: CFG });
  assert.ok(out.ok);
  // A 504 after 8 s through HAProxy's port: its `timeout server 8000` (backend be), not nginx's 60 s.
  const m = findMatches(out, 'http://127.0.0.1:8080/slow', 8.01, 'http_504', 0.1, []);
  assert.equal(m[0]?.layer, 'lb');
  assert.match(m[0]!.source, /haproxy\.cfg:21$/);
  assert.deepEqual(findMatches(out, 'http://127.0.0.1:8080/slow', 60.02, 'http_504', 0.1, []).map((x) => x.setting), ['proxy_read_timeout']);
});
