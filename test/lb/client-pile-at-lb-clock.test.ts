/**
 * A pile of client aborts that happens to sit at the load balancer's timeout is not the LB's clock
 * when the LB's own lines say the client closed. HAProxy in front of nginx (the samples/lb layout and
 * line shapes), `timeout server 30s`; a mobile client with its own 30 s timeout gives up on a slow
 * GET /api/export five times: HAProxy logs `CH--` after 30.0 s (the client closed, HAProxy's clock
 * had not fired), nginx logs 499 at 30.0 s. Before, the pile was named "= lb idle timeout 30s" and
 * the advice blamed the LB's timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { correlate } from '../../src/correlate/correlate.js';
import { auditIntoStore } from '../../src/audit/snapshot-store.js';
import { buildReportModel } from '../../src/report/index.js';
import { iterateRequests } from '../../src/lookup/requests.js';
import { NGINX_LB_FORMAT } from '../harness/lb/confs.js';
import { tempDir } from '../helpers.js';

const T0 = Date.UTC(2026, 11, 5, 1, 40, 0);
const NOW = Date.UTC(2027, 0, 1);

const HAPROXY_CFG = [
  'defaults',
  '    mode http',
  '    timeout connect 1s',
  '    timeout client 60s',
  '    timeout server 30s',
  '    option abortonclose',
  '',
  'frontend fe',
  '    bind 127.0.0.1:46313',
  '    default_backend be',
  '',
  'backend be',
  '    server nginx1 127.0.0.1:44927',
].join('\n') + '\n';

const NGINX_CONF = [
  'events { worker_connections 512; }',
  'http {',
  `    log_format lb '${NGINX_LB_FORMAT}';`,
  '    keepalive_timeout 75s;',
  '    server {',
  '        listen 127.0.0.1:44927;',
  '        location / {',
  '            proxy_pass http://127.0.0.1:39887;',
  '            proxy_read_timeout 60s;',
  '        }',
  '    }',
  '}',
].join('\n') + '\n';

const p2 = (n: number, w = 2) => String(n).padStart(w, '0');
const clf = (ms: number, frac: boolean) => {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/Dec/2026:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${frac ? `.${p2(d.getUTCMilliseconds(), 3)}` : ' +0000'}`;
};
const syslog = (ms: number) => {
  const d = new Date(ms);
  return `Dec  ${d.getUTCDate()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
};

/** One request through HAProxy and nginx: `ms` long, ended by the client (CH--, 499) or answered (----, 200). */
function request(i: number, startMs: number, ms: number, aborted: boolean): { haproxy: string; nginx: string } {
  const rid = `6f1c2a0e-0000-4000-8000-${p2(i, 12)}`;
  const uri = aborted ? `/api/export?dt=t${p2(i, 4)}` : `/api/items/${i}?dt=t${p2(i, 4)}`;
  const end = startMs + ms;
  const port = 40_000 + i;
  const haproxy = `${syslog(end)} localhost haproxy[17856]: 10.1.2.${i}:${51_000 + i} [${clf(startMs, true)}] fe be/nginx1 ` +
    `0/0/0/${aborted ? -1 : ms - 1}/${ms} ${aborted ? 400 : 200} ${aborted ? 206 : 149} - - ${aborted ? 'CH--' : '----'} 5/5/1/1/0 0/0 "GET ${uri} HTTP/1.1" 127.0.0.1:${port} ${rid}`;
  const nginx = `127.0.0.1 ${port} [${clf(end, false)}] "GET ${uri} HTTP/1.1" ${aborted ? 499 : 200} ${aborted ? 0 : 26} ` +
    `rt=${((ms - 1) / 1000).toFixed(3)} us="${aborted ? '-' : '200'}" rid=${rid} msec=${Math.floor(end / 1000)}.${p2(end % 1000, 3)}`;
  return { haproxy, nginx };
}

test('client aborts piled at HAProxy\'s timeout server 30s, which HAProxy logs as the client closing (CH--), are the client\'s clock, not the LB\'s', async (t) => {
  const dir = tempDir(t);
  const reqs = [
    ...Array.from({ length: 20 }, (_, i) => ({ i: i + 1, start: T0 + i * 3_000, ms: 40, aborted: false })),
    ...Array.from({ length: 5 }, (_, i) => ({ i: 30 + i, start: T0 + 5_000 + i * 7_000, ms: 30_002 + i, aborted: true })),
  ].map((r) => ({ end: r.start + r.ms, ...request(r.i, r.start, r.ms, r.aborted) })).sort((a, b) => a.end - b.end);
  writeFileSync(join(dir, 'haproxy.log'), reqs.map((r) => r.haproxy).join('\n') + '\n');
  writeFileSync(join(dir, 'access.log'), reqs.map((r) => r.nginx).join('\n') + '\n');
  writeFileSync(join(dir, 'haproxy.cfg'), HAPROXY_CFG);
  writeFileSync(join(dir, 'nginx.conf'), NGINX_CONF);
  const db = openStore(join(dir, 'd.db'));
  t.after(() => db.close());
  await ingestPaths(db, [join(dir, 'haproxy.log'), join(dir, 'access.log')], { tz: 'UTC', logFormat: NGINX_LB_FORMAT });
  correlate(db);
  const audit = auditIntoStore(db, { nginxConf: join(dir, 'nginx.conf'), haproxyConf: join(dir, 'haproxy.cfg') }, T0 - 3_600_000);
  assert.equal(audit.error, null);

  const aborts = [...iterateRequests(db)].filter((r) => r.verdict === 'client_abort');
  assert.equal(aborts.length, 5, 'HAProxy\'s CH-- keeps nginx\'s 499 a client abort');
  assert.ok(aborts.every((r) => r.lb !== null && r.lb.termination === 'CH--'), 'each abort carries its HAProxy line');

  const { model } = buildReportModel(db, { nowMs: NOW });
  const pile = model.fingerprints.find((f) => f.verdict === 'client_abort')?.clusters[0];
  assert.ok(pile, 'the five aborts at 30 s are a pile');
  assert.equal(pile.count, 5);
  assert.deepEqual(pile.lb_client_closed, { count: 5, said: 'HAProxy logged the client closing the connection (CH--)' });
  assert.doesNotMatch(pile.knob, /lb idle timeout/, 'the LB logged the client closing: its timeout did not fire');
  assert.equal(pile.directive ?? null, null);
  const advice = model.recommendations.find((r) => r.id === 'client-clock-first');
  assert.ok(advice);
  assert.doesNotMatch(advice.title, /load balancer/);
  assert.match(advice.detail, /HAProxy logged the client closing the connection \(CH--\) on 5 of them/);
  assert.equal(advice.changes[0]!.directive, 'the client\'s timeout');
});
