/**
 * The load balancer's advice names its own setting: file:line where the audit read haproxy.cfg
 * (samples/lb, HAProxy's `timeout server 2s` in its defaults section cut three requests), the
 * setting by name for the LB whose lines were read where no config was given (HAProxy here, an
 * ALB in test/lb/alb-incident.ts), and never a bare "[the load balancer's settings]".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openStore, type Db } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { correlate } from '../../src/correlate/correlate.js';
import { auditIntoStore } from '../../src/audit/snapshot-store.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';
import type { Recommendation } from '../../src/report/types.js';
import { NGINX_LB_FORMAT } from '../harness/lb/confs.js';
import { incidentDb } from './alb-incident-db.js';
import { repoRoot, tempDir } from '../helpers.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

async function lbSample(t: { after: (fn: () => void) => void }): Promise<Db> {
  process.chdir(repoRoot());
  const dir = join('samples', 'lb');
  const logs = readdirSync(join(dir, 'logs')).sort().map((f) => relative(process.cwd(), join(dir, 'logs', f)));
  const db = openStore(join(tempDir(t), 'lb.db'));
  t.after(() => db.close());
  await ingestPaths(db, logs, { tz: 'UTC', logFormat: NGINX_LB_FORMAT });
  correlate(db);
  return db;
}

const advice = (db: Db, id: string): Recommendation => {
  const r = buildReportModel(db, { nowMs: NOW }).model.recommendations.find((x) => x.id === id);
  assert.ok(r, `no ${id} recommendation`);
  return r;
};

test('lb_timeout advice with haproxy.cfg audited: HAProxy\'s timeout server cited file:line, its value beside the pile', async (t) => {
  const db = await lbSample(t);
  const audit = auditIntoStore(db, { nginxConf: 'samples/lb/conf/nginx.conf', haproxyConf: 'samples/lb/conf/haproxy.cfg' }, NOW - 3_600_000);
  assert.equal(audit.error, null);
  const r = advice(db, 'lb-timeout');
  assert.deepEqual([r.changes[0]!.directive, r.changes[0]!.where, r.changes[0]!.now], ['timeout server 2s (backend be)', 'samples/lb/conf/haproxy.cfg:14', '2 s (the pile: ≈2 s)']);
  assert.match(r.detail, /^HAProxy's timeout server 2s \(backend be\) \(samples\/lb\/conf\/haproxy\.cfg:14\) fired first/);
  assert.deepEqual(r.lines, ['timeout server <above proxy_read_timeout>  # samples/lb/conf/haproxy.cfg:14, now timeout server 2s (backend be)']);
  // nginx's side of the keep-alive race is cited where nginx.conf sets it
  const race = advice(db, 'lb-keepalive-race');
  assert.deepEqual([race.changes[0]!.where, race.changes[0]!.now], ['samples/lb/conf/nginx.conf:16', '1s: shorter than the LB\'s idle timeout']);
  const text = renderReport(buildReportModel(db, { nowMs: NOW }).model, 'text', { zone: 'UTC' });
  assert.match(text, /• timeout server 2s \(backend be\) \[samples\/lb\/conf\/haproxy\.cfg:14\]: now 2 s/);
  assert.doesNotMatch(text, /\[the load balancer's settings\]/);
});

test('lb_timeout advice without the config: the setting named for the LB whose lines were read (HAProxy), only its line', async (t) => {
  const db = await lbSample(t);
  const r = advice(db, 'lb-timeout');
  assert.equal(r.changes[0]!.directive, 'timeout server (HAProxy)');
  assert.match(r.changes[0]!.where, /^haproxy\.cfg: the backend that sends to nginx.*give --haproxy-conf to cite file:line/);
  assert.deepEqual(r.lines, ['timeout server <above proxy_read_timeout>  # HAProxy, in the backend in front of nginx']);
  const down = advice(db, 'lb-no-target');
  assert.match(down.changes[0]!.directive, /`check` on the backend's server lines .*\(HAProxy\)/);
  assert.equal(advice(db, 'lb-keepalive-race').changes[0]!.where, 'nginx.conf: the server the LB talks to (give --nginx-conf to cite file:line)');
});

test('lb advice for an ALB names idle_timeout.timeout_seconds and the target group, with the ALB\'s command only', async (t) => {
  const { db } = await incidentDb(t);
  correlate(db);
  const r = advice(db, 'lb-timeout');
  assert.equal(r.changes[0]!.directive, 'idle_timeout.timeout_seconds (load balancer attribute) (AWS ALB)');
  assert.match(r.changes[0]!.where, /^the ALB's attributes \(aws elbv2 describe-load-balancer-attributes\)$/);
  assert.equal(r.lines.length, 1);
  assert.match(r.lines[0]!, /Key=idle_timeout\.timeout_seconds/);
});
