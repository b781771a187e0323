/**
 * Golden reports of realistic incidents rendered here (issue 15), each with the claims its logs can
 * carry and the advice its chain allows: a combined-format worker timeout where keep-alive races
 * would be over-claimed and no start times name a culprit; a UvicornWorker chain audited from its
 * configs; a 499 pile at a load balancer's idle timeout; a gunicorn restart under traffic; uvicorn run
 * alone losing both workers. UPDATE_GOLDEN=1 rewrites test/fixtures/report/incidents/*.txt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers.js';
import { checkGolden } from '../golden-file.js';
import { openStore, type Db } from '../../../src/store/open.js';
import { ingestAndCorrelate } from '../../../src/correlate/analyze.js';
import { auditIntoStore } from '../../../src/audit/snapshot-store.js';
import { buildReportModel, renderReport, type ReportModel } from '../../../src/report/index.js';
import { conflicts } from '../../../src/report/recommendations.js';
import { iterateRequests } from '../../../src/lookup/requests.js';
import { combined, timing, TIMING_FORMAT, nginxError, gunicorn, uvicorn, slowRequest, type AccessLine } from './lines.js';

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);
const NOW = Date.UTC(2027, 0, 1);

interface Incident {
  readonly access: readonly string[];
  readonly error?: readonly string[];
  readonly server?: readonly string[];
  readonly app?: readonly string[];
  readonly format?: string;
  readonly nginxConf?: string;
  readonly cmd?: string;
  readonly lbIdle?: string;
}

/** Writes the incident's logs (and configs) under a temp dir, ingests, audits, correlates; the report covers [T0, T0 + 10 min). */
async function analyze(t: { after: (fn: () => void) => void }, inc: Incident): Promise<{ db: Db; model: ReportModel }> {
  const dir = tempDir(t);
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  mkdirSync('logs');
  const files: string[] = [];
  const write = (name: string, lines: readonly string[] | undefined) => {
    if (!lines) return;
    writeFileSync(join('logs', name), lines.join('\n') + '\n');
    files.push(join('logs', name));
  };
  write('access.log', inc.access);
  write('error.log', inc.error);
  write('gunicorn.log', inc.server);
  write('app.log', inc.app);
  const db = openStore('incident.db');
  t.after(() => db.close());
  if (inc.nginxConf !== undefined) writeFileSync('nginx.conf', inc.nginxConf);
  if (inc.cmd !== undefined) writeFileSync('gunicorn.cmd', inc.cmd + '\n');
  if (inc.nginxConf !== undefined || inc.cmd !== undefined) {
    const audit = auditIntoStore(db, {
      nginxConf: inc.nginxConf !== undefined ? 'nginx.conf' : undefined, cmd: inc.cmd !== undefined ? 'gunicorn.cmd' : undefined, lbIdleTimeout: inc.lbIdle,
    }, T0 - 3_600_000);
    assert.equal(audit.error, null);
  }
  await ingestAndCorrelate(db, files, { tz: 'UTC', logFormat: inc.format ?? null });
  const { model } = buildReportModel(db, { fromMs: T0, toMs: T0 + 600_000, nowMs: NOW });
  return { db, model };
}

/** Every recommendation names its settings and cites requests, and none contradicts another. */
function checkAdvice(m: ReportModel): void {
  assert.deepEqual(conflicts(m.recommendations), []);
  for (const r of m.recommendations) {
    assert.ok(r.changes.length > 0 && r.evidence.length > 0, r.id);
    for (const c of r.changes) for (const k of ['directive', 'where', 'now', 'set', 'why'] as const) assert.ok(c[k] !== '', `${r.id} ${k}`);
  }
}

const NGINX_CONF = (extra: string, upstream = 'keepalive 16;\n    keepalive_timeout 60s;') => `events {}
http {
  upstream app {
    server 127.0.0.1:8000;
    ${upstream}
  }
  server {
    listen 8080;
    server_name localhost;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      ${extra}
    }
  }
}
`;
const UVICORN_WORKER_CMD = 'gunicorn app:app -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:8000 --timeout 20 --graceful-timeout 10 --keep-alive 2';
const gunicornBoot = (ms: number, master: number, workers: readonly number[]) => [
  gunicorn(ms, master, 'INFO', 'Starting gunicorn 20.1.0'),
  gunicorn(ms, master, 'INFO', `Listening at: http://127.0.0.1:8000 (${master})`),
  gunicorn(ms, master, 'INFO', 'Using worker: uvicorn.workers.UvicornWorker'),
  ...workers.map((w) => gunicorn(ms, w, 'INFO', `Booting worker with pid: ${w}`)),
];
const okLines = (n: number, every: number, fmt: (a: AccessLine) => string, from = T0 + 1_000) =>
  Array.from({ length: n }, (_, i) => fmt({ end: from + i * every, uri: `/api/items/${i + 1}`, status: 200, rt: 0.012,
    attempts: [{ status: 200, connect: 0, header: 0.011, response: 0.012, addr: '127.0.0.1:8000' }] }));
const byTime = (lines: readonly string[], time: (l: string) => number) => [...lines].sort((a, b) => time(a) - time(b));
const accessTime = (l: string) => Number(/msec=(\d+\.\d+)/.exec(l)?.[1] ?? 0) * 1000 || Date.parse(l.replace(/^.*\[(\d+)\/(\w+)\/(\d+):([\d:]+) \+0000\].*$/, '$2 $1 $3 $4 UTC'));

test('incident_combined_worker_timeout: no keep-alive race claimed, no culprit named without start times', async (t) => {
  const death = T0 + 30_000;
  const onWorker = ['/block?seconds=60', '/api/items/11', '/api/items/12', '/api/items/13'];
  const lonely = [T0 + 45_000, T0 + 50_000, T0 + 55_000];
  const access = byTime([
    ...okLines(20, 3_000, combined),
    ...onWorker.map((uri, i) => combined({ end: death + 200 + i * 100, uri, status: 502 })),
    ...lonely.map((end) => combined({ end, method: 'POST', uri: '/api/items', status: 502 })),
  ], accessTime);
  const { db, model } = await analyze(t, {
    access,
    error: [
      ...onWorker.map((uri, i) => nginxError(death + 200 + i * 100, 'closed', 'GET', uri, 'error', 10 + i)),
      ...lonely.map((end, i) => nginxError(end, 'closed', 'POST', '/api/items', 'error', 20 + i)),
    ],
    server: [
      ...gunicornBoot(T0 - 60_000, 100, [101, 102]),
      gunicorn(death, 100, 'CRITICAL', 'WORKER TIMEOUT (pid:101)'),
      gunicorn(death, 100, 'WARNING', 'Worker with pid 101 was terminated due to signal 6'),
      gunicorn(death + 1_000, 103, 'INFO', 'Booting worker with pid: 103'),
    ],
  });
  const verdicts = Object.fromEntries(model.totals.verdicts.filter((v) => v.count > 0).map((v) => [v.id, v.count]));
  assert.deepEqual(verdicts, { ok: 20, worker_timeout: 4, upstream_error: 3 });
  assert.equal(model.totals.flags.find((f) => f.id === 'keepalive_race')!.count, 0, 'combined logs cannot show a reused connection');
  assert.equal(model.keepalive_races.possible.count, 3, 'the three unexplained closes are counted as possible races');
  const inc = model.worker_incidents[0]!;
  assert.equal(inc.blocker, null, 'no $request_time: no culprit named');
  assert.equal(inc.blocker_evidence?.level, 'cannot_tell');
  assert.deepEqual(inc.blocker_candidates.map((r) => r.uri), onWorker);
  assert.ok(!model.recommendations.some((r) => r.id === 'upstream-keepalive'), 'no keep-alive fix on unconfirmed races');
  assert.equal(model.recommendations[0]!.id, 'gunicorn-timeout');
  assert.equal(model.recommendations[0]!.changes[0]!.set, 'unchanged', 'UvicornWorker: a heartbeat');
  const gaps = renderReport(model, 'text', { zone: 'UTC' });
  assert.equal((gaps.match(/log_format droptrace '\$remote_addr/g) ?? []).length, 1, 'the log_format block once');
  for (const r of iterateRequests(db, { flag: 'keepalive_race_possible' })) assert.equal(r.verdict, 'upstream_error');
  checkAdvice(model);
  checkGolden('incidents/combined-worker-timeout.txt', gaps);
});

test('incident_uvicornworker_chain: advice cites the audited gunicorn --keep-alive and --timeout, not uvicorn defaults', async (t) => {
  const race = (end: number, method = 'POST') => timing({ end, method, uri: '/api/items', status: 502, rt: 0.001,
    attempts: [{ status: 502, connect: 0, header: null, response: 0.001, addr: '127.0.0.1:8000' }] });
  const death = T0 + 40_000;
  const access = byTime([
    ...okLines(30, 2_000, timing),
    race(T0 + 20_500), race(T0 + 33_500),
    timing({ end: T0 + 27_000, uri: '/api/items/99', status: 200, rt: 0.015, attempts: [
      { status: 502, connect: 0, header: null, response: 0.001, addr: '127.0.0.1:8000' }, { status: 200, connect: 0.001, header: 0.012, response: 0.013, addr: '127.0.0.1:8000' }] }),
    timing({ end: death + 50, uri: '/block?seconds=60', status: 502, rt: 12.05, attempts: [{ status: 502, connect: 0, header: null, response: 12.05, addr: '127.0.0.1:8000' }] }),
  ], accessTime);
  const { model } = await analyze(t, {
    format: TIMING_FORMAT,
    access,
    error: [
      nginxError(T0 + 20_500, 'closed', 'POST', '/api/items', 'error', 30), nginxError(T0 + 33_500, 'closed', 'POST', '/api/items', 'error', 31),
      nginxError(T0 + 27_000, 'reset', 'GET', '/api/items/99', 'error', 32), nginxError(death + 50, 'closed', 'GET', '/block?seconds=60', 'error', 33),
    ],
    server: [...gunicornBoot(T0 - 60_000, 100, [101, 102]), gunicorn(death, 100, 'CRITICAL', 'WORKER TIMEOUT (pid:101)'), gunicorn(death + 1_000, 103, 'INFO', 'Booting worker with pid: 103')],
    nginxConf: NGINX_CONF('proxy_read_timeout 30s;'),
    cmd: UVICORN_WORKER_CMD,
  });
  assert.equal(model.chain_model.origin, 'audit');
  assert.equal(model.keepalive_races.count, 3);
  const ka = model.recommendations.find((r) => r.id === 'upstream-keepalive')!;
  assert.deepEqual([ka.changes[0]!.directive, ka.changes[0]!.where, ka.changes[0]!.now, ka.changes[0]!.set], ['--keep-alive', 'gunicorn.cmd:1 (--keep-alive)', '2 s', '65']);
  assert.match(ka.detail, /not uvicorn's 5 s/);
  assert.doesNotMatch(JSON.stringify(model.recommendations), /keepalive_timeout 4s/);
  const gt = model.recommendations.find((r) => r.id === 'gunicorn-timeout')!;
  assert.deepEqual([gt.changes[0]!.where, gt.changes[0]!.now, gt.changes[0]!.set], ['gunicorn.cmd:1 (--timeout)', '20 s', 'unchanged']);
  assert.equal(model.worker_incidents[0]!.blocker?.request.uri, '/block?seconds=60', 'with $request_time the culprit is named');
  assert.equal(model.worker_incidents[0]!.blocker_evidence?.level, 'inferred');
  checkAdvice(model);
  checkGolden('incidents/uvicornworker-chain.txt', renderReport(model, 'text', { zone: 'UTC' }));
});

test('incident_lb_pile: 499s at the load balancer\'s 60 s idle timeout name it, never a lower proxy_read_timeout', async (t) => {
  const piled = Array.from({ length: 6 }, (_, i) => timing({ end: T0 + 70_000 + i * 9_000, uri: `/api/report/${i}`, status: 499, rt: 60.001 + i / 1000, agent: 'Mozilla/5.0',
    attempts: [{ status: null, connect: 0, header: null, response: 60.0, addr: '127.0.0.1:8000' }] }));
  const { model } = await analyze(t, {
    format: TIMING_FORMAT,
    access: byTime([...okLines(20, 5_000, timing), ...piled], accessTime),
    error: piled.map((_, i) => nginxError(T0 + 70_000 + i * 9_000, 'client', 'GET', `/api/report/${i}`, 'info', 40 + i)),
    server: gunicornBoot(T0 - 60_000, 100, [101]),
    nginxConf: NGINX_CONF('proxy_read_timeout 120s;'),
    cmd: UVICORN_WORKER_CMD,
    lbIdle: '60',
  });
  const rec = model.recommendations.find((r) => r.id === 'client-clock-first')!;
  assert.equal(rec.changes[0]!.directive, "the load balancer's idle timeout");
  assert.equal(rec.changes[0]!.where, '--lb-idle-timeout');
  assert.doesNotMatch(JSON.stringify(model.recommendations), /proxy_read_timeout \d+s/);
  checkAdvice(model);
  checkGolden('incidents/lb-pile.txt', renderReport(model, 'text', { zone: 'UTC' }));
});

test('incident_restart_window: 23 refusals during a gunicorn restart are its own finding, in the timeline, on gunicorn\'s clock', async (t) => {
  const stop = T0 + 60_000;
  const refused = Array.from({ length: 23 }, (_, i) => stop + 200 + i * 100);
  const { model } = await analyze(t, {
    format: TIMING_FORMAT,
    access: byTime([
      ...okLines(25, 2_000, timing),
      ...refused.map((end, i) => timing({ end, uri: `/api/items/${100 + i}`, status: 502, rt: 0, attempts: [{ status: 502, connect: null, header: null, response: 0, addr: '127.0.0.1:8000' }] })),
      ...okLines(10, 2_000, timing, stop + 5_000),
    ], accessTime),
    error: refused.map((end, i) => nginxError(end, 'refused', 'GET', `/api/items/${100 + i}`, 'error', 100 + i)),
    server: [
      ...gunicornBoot(T0 - 60_000, 100, [101, 102]),
      gunicorn(stop, 100, 'INFO', 'Handling signal: term'),
      gunicorn(stop, 101, 'INFO', 'Worker exiting (pid: 101)'),
      gunicorn(stop, 102, 'INFO', 'Worker exiting (pid: 102)'),
      gunicorn(stop + 1_000, 100, 'INFO', 'Shutting down: Master'),
      ...gunicornBoot(stop + 2_500, 200, [201, 202]),
    ],
    nginxConf: NGINX_CONF('proxy_read_timeout 30s;'),
    cmd: UVICORN_WORKER_CMD,
  });
  assert.equal(model.restarts.length, 1);
  assert.equal(model.restarts[0]!.failed_count, 23);
  const rec = model.recommendations.find((r) => r.id === 'restart-window')!;
  assert.ok(rec.changes.some((c) => c.directive === '--graceful-timeout' && c.where === 'gunicorn.cmd:1 (--graceful-timeout)' && c.now === '10 s'));
  assert.ok(rec.changes.some((c) => c.directive === 'proxy_next_upstream'));
  const lines = model.timeline!.entries.filter((e) => e.layer === 'gunicorn').map((e) => e.what);
  for (const l of ['Handling signal: term', 'Shutting down: Master', 'Starting gunicorn 20.1.0']) assert.ok(lines.includes(l), l);
  const byLayer = model.over_time.buckets.reduce((acc, b) => {
    for (const [k, v] of Object.entries(b.failed_by_layer)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {} as Record<string, number>);
  assert.deepEqual(byLayer, { gunicorn: 23 }, 'on gunicorn\'s clock, not nginx\'s');
  checkAdvice(model);
  checkGolden('incidents/restart-window.txt', renderReport(model, 'text', { zone: 'UTC' }));
});

test('incident_uvicorn_alone: both workers die with no line; the death is inferred, the requests held on the socket are unavailable', async (t) => {
  const failAt = T0 + 23_000;
  const held = [T0 + 25_000, T0 + 25_010, T0 + 25_020];
  const restart = T0 + 27_000;
  const { db, model } = await analyze(t, {
    format: TIMING_FORMAT,
    access: byTime([
      ...okLines(10, 2_000, timing),
      timing({ end: failAt, method: 'POST', uri: '/work', status: 502, rt: 3.002, attempts: [
        { status: 502, connect: 0, header: null, response: 3.0, addr: '127.0.0.1:8000' }, { status: 502, connect: 0, header: null, response: 0.002, addr: '127.0.0.1:8000' }] }),
      ...held.map((end, i) => timing({ end, uri: `/api/items/${50 + i}`, status: 502, rt: 2.5, attempts: [{ status: 502, connect: 0, header: null, response: 2.5, addr: '127.0.0.1:8000' }] })),
      ...okLines(5, 2_000, timing, restart + 2_000),
    ], accessTime),
    error: [
      nginxError(failAt - 2, 'closed', 'POST', '/work', 'error', 60), nginxError(failAt, 'reset', 'POST', '/work', 'error', 60),
      ...held.map((end, i) => nginxError(end, 'reset', 'GET', `/api/items/${50 + i}`, 'error', 61 + i)),
    ],
    server: [
      uvicorn(T0 - 60_000, 9, 'Started parent process [9]'), uvicorn(T0 - 59_900, 10, 'Started server process [10]'), uvicorn(T0 - 59_900, 11, 'Started server process [11]'),
      uvicorn(restart, 19, 'Started parent process [19]'), uvicorn(restart + 100, 20, 'Started server process [20]'), uvicorn(restart + 100, 21, 'Started server process [21]'),
    ],
    app: Array.from({ length: 4 }, (_, i) => slowRequest(T0 + 2_000 + i * 2_000, 10 + (i % 2), 1.2, 'GET', '/api/report')),
  });
  const rows = [...iterateRequests(db, { failed: true })];
  const work = rows.find((r) => r.uri === '/work')!;
  assert.equal(work.verdict, 'worker_crash');
  assert.equal(work.evidence?.verdict.level, 'inferred');
  assert.match(work.evidence?.verdict.rule ?? '', /no death line .* a new server process started 4\.\d s later/);
  for (const r of rows.filter((x) => x.uri?.startsWith('/api/items/5'))) {
    assert.equal(r.verdict, 'upstream_unavailable');
    assert.equal(r.evidence?.verdict.level, 'inferred');
    assert.equal(r.keepalive_race_possible, false);
  }
  assert.equal(model.chain_model.app_server, 'uvicorn');
  // the death no line names is a worker incident, marked inferred with its rule, in every renderer
  assert.deepEqual(model.worker_incidents.map((i) => [i.event, i.evidence.level, i.died_count, i.died[0]?.uri, i.replaced_by?.pid, i.source]),
    [['inferred_death', 'inferred', 1, '/work', 20, 'logs/gunicorn.log:5']]);
  assert.match(model.worker_incidents[0]!.evidence.rule ?? '', /upstream prematurely closed.*new server process started 4\.1 s after the last \(Started server process \[20\]/);
  const json = JSON.parse(renderReport(model, 'json', { zone: 'UTC' })) as { worker_incidents: { event: string; evidence: { level: string } }[] };
  assert.deepEqual(json.worker_incidents.map((i) => [i.event, i.evidence.level]), [['inferred_death', 'inferred']]);
  const md = renderReport(model, 'markdown', { zone: 'UTC' });
  assert.match(md, /## Worker incidents\n\n- \*\*2026-12-05 10:00:23\.000\*\* `inferred_death` worker death \(inferred, no log line\)/);
  assert.match(md, /\n {2}- inferred: nginx saw the upstream close 1 request\\\(s\\\) early/);
  const html = renderReport(model, 'html', { zone: 'UTC' });
  assert.match(html, /<span class="bad">worker death \(inferred, no log line\)<\/span>.*<li>inferred: nginx saw the upstream close 1 request\(s\) early/s);
  checkAdvice(model);
  checkGolden('incidents/uvicorn-alone.txt', renderReport(model, 'text', { zone: 'UTC' }));
});
