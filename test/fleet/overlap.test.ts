/**
 * The shard overlap is the chain's longest request clock (src/shard/overlap.ts): read from the configs
 * given, else the defaults; and a request that straddles a cut by longer than the default 60 s, but
 * less than the configured clock, keeps all its evidence in the shard that owns it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured, tempDir } from '../helpers.js';
import { chooseOverlap } from '../../src/shard/overlap.js';
import { TIMING_FORMAT } from './stacks.js';
import { byLine, datasetByLine } from './compare.js';

/** nginx in front of gunicorn on 8000; only proxy_read_timeout is set (line 8), the rest defaults. */
const NGINX_CONF = `events {}
http {
  upstream app { server 127.0.0.1:8000; }
  server {
    listen 8080;
    location / {
      proxy_pass http://app;
      proxy_read_timeout 300s;
    }
  }
}
`;

test('the overlap is the longest request clock of the configs given, each layer without one at its default', (t) => {
  const dir = tempDir(t);
  const nginx = join(dir, 'nginx.conf');
  writeFileSync(nginx, NGINX_CONF);
  const gunicorn = join(dir, 'gunicorn.conf.py');
  writeFileSync(gunicorn, 'bind = "127.0.0.1:8000"\ntimeout = 120\nkeepalive = 900\n');

  const none = chooseOverlap(undefined, {});
  assert.equal(none.ms, 60_000);
  assert.match(none.why, /no chain config given .*nginx proxy_read_timeout 60s \(nginx's default\); gunicorn timeout 30/);
  assert.deepEqual(chooseOverlap(undefined, { nginxConf: nginx }), { ms: 300_000, why: `the chain's longest request clock, nginx proxy_read_timeout 300s (${nginx}:8)` });
  // keepalive 900 is an idle connection's clock, not a request's: left out
  assert.deepEqual(chooseOverlap(undefined, { gunicornConf: gunicorn }), { ms: 120_000, why: `the chain's longest request clock, gunicorn timeout 120 (${gunicorn}:2)` });
  assert.equal(chooseOverlap(undefined, { cmd: 'gunicorn --timeout 20 app:app' }).ms, 60_000, "nginx's default outlasts a 20 s gunicorn");
  assert.match(chooseOverlap(undefined, { cmd: 'gunicorn --timeout 20 app:app' }).why, /nginx proxy_read_timeout 60s \(nginx's default\) \(no nginx clock in the configs given: its default\)/);
  assert.equal(chooseOverlap(undefined, { nginxConf: nginx, lbIdleTimeout: '400' }).ms, 400_000);
  assert.deepEqual(chooseOverlap('45s', { nginxConf: nginx }), { ms: 45_000, why: '--overlap' });
  assert.throws(() => chooseOverlap(undefined, { nginxConf: join(dir, 'missing.conf') }), /chain could not be read: .*missing\.conf.*or give --overlap/);
});

const T0 = Date.UTC(2024, 2, 10);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const timeLocal = (ms: number) => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/Mar/2024:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};
const secs = (ms: number) => (ms / 1000).toFixed(3);

interface Req { readonly endMs: number; readonly ms: number; readonly status: number; readonly path: string; readonly app: { readonly endMs: number; readonly elapsedMs: number; readonly status: number } | null }

/**
 * One stack's ten minutes: a request a second, answered in a few ms, and two long ones owned by the
 * window [4 min, 6 min): A answered after 200 s (it started before the 2 min cut); B, whose client
 * gave up after 90 s at 5:30 (nginx: 499) while its handler ran on for 250 s, logging at 8:10, 160 s
 * after nginx's line, past a 60 s overlap of the 6 min cut but well inside 300 s.
 */
function writeStack(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const reqs: Req[] = [];
  for (let s = 1; s < 600; s++) {
    const ms = 5 + (s * 7) % 40;
    reqs.push({ endMs: T0 + s * 1000 + 250, ms, status: 200, path: `/api/items/${s}`, app: { endMs: T0 + s * 1000 + 249, elapsedMs: ms - 1, status: 200 } });
  }
  const a = T0 + 260_000;
  reqs.push({ endMs: a, ms: 200_000, status: 200, path: '/api/report/slow', app: { endMs: a - 1, elapsedMs: 199_990, status: 200 } });
  const b = T0 + 330_000;
  reqs.push({ endMs: b, ms: 90_000, status: 499, path: '/api/export/slow', app: { endMs: b - 90_000 + 250_000, elapsedMs: 250_000, status: 200 } });
  reqs.sort((x, y) => x.endMs - y.endMs);
  const access: string[] = [];
  const app: { t: number; line: string }[] = [];
  reqs.forEach((r, i) => {
    const rid = `${pad(i, 8)}${'0'.repeat(24)}`;
    const answered = r.status !== 499;
    access.push(`192.0.2.${1 + (i % 200)} - - [${timeLocal(r.endMs)}] "GET ${r.path} HTTP/1.1" ${r.status} ${answered ? 512 : 0} "-" "curl/8.4.0" ` +
      `rt=${secs(r.ms)} ua="10.0.0.1:8000" us="${answered ? r.status : '-'}" urt="${secs(r.ms)}" rid=${rid} msec=${secs(r.endMs)}`);
    if (r.app) {
      app.push({ t: r.app.endMs, line: JSON.stringify({ ts: new Date(r.app.endMs).toISOString(), level: 'info', request_id: rid, method: 'GET', path: r.path, status: r.app.status, elapsed_ms: r.app.elapsedMs, pid: 4101 }) });
    }
  });
  writeFileSync(join(dir, 'access-timing.log'), access.join('\n') + '\n');
  writeFileSync(join(dir, 'app.ndjson'), app.sort((x, y) => x.t - y.t).map((x) => x.line).join('\n') + '\n');
}

async function cli(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCliCaptured(argv);
  assert.equal(r.exitCode, 0, `droptrace ${argv.join(' ')}\n${r.stderr}`);
  return r;
}

test('a request straddling a cut by more than 60 s keeps its evidence with the overlap read from nginx.conf (300 s), and loses it with 60 s', async (t) => {
  const dir = tempDir(t);
  const stack = join(dir, 'logs', 'web-01');
  writeStack(stack);
  const nginx = join(dir, 'nginx.conf');
  writeFileSync(nginx, NGINX_CONF);
  const ingest = ['--tz', 'UTC', '--log-format', TIMING_FORMAT];
  const window = ['--window', '2024-03-10T00:00Z,2024-03-10T00:10Z', '--split', '2m', '--correlate', '--jobs', '2'];

  const one = join(dir, 'one.db');
  await cli(['ingest', stack, '--db', one, '--host', 'web-01', '--correlate', ...ingest]);
  const single = byLine((await cli(['requests', '--db', one, '--format', 'ndjson'])).stdout.trim().split('\n'));
  const key = (path: string) => [...single].find(([, r]) => r.path === path)![0];
  const [a, b] = [key('/api/report/slow'), key('/api/export/slow')];
  assert.equal((single.get(b)!.app as { status: number } | null)?.status, 200, 'one database pairs B with the handler that finished 160 s after nginx gave up');

  const derived = join(dir, 'derived') + '/';
  const run = await cli(['ingest', stack, '--db', derived, '--nginx-conf', nginx, ...window, ...ingest]);
  assert.match(run.stderr, new RegExp(`note: shard overlap 300 s: the chain's longest request clock, nginx proxy_read_timeout 300s \\(${nginx.replace(/[.]/g, '\\.')}:8\\)`));
  assert.match(run.stdout, /5 shard\(s\)/);
  await cli(['export', '--db', derived, '--dataset', join(dir, 'ds-derived')]);
  const sharded = await datasetByLine(join(dir, 'ds-derived'), single);
  assert.equal(sharded.size, single.size, 'every request once');
  for (const [k, r] of single) assert.deepEqual(sharded.get(k), r, k);
  assert.equal((await cli(['report', '--dataset', join(dir, 'ds-derived')])).stdout, (await cli(['report', '--db', one])).stdout);

  // the same run with the default clocks' 60 s: B's handler record was cut off, and the shard says A outlived it
  const short = join(dir, 'short') + '/';
  const shortRun = await cli(['ingest', stack, '--db', short, '--overlap', '60s', ...window, ...ingest]);
  assert.match(shortRun.stderr, /lasted longer than the 60 s overlap/);
  await cli(['export', '--db', short, '--dataset', join(dir, 'ds-short')]);
  const cut = await datasetByLine(join(dir, 'ds-short'), single);
  assert.equal(cut.size, single.size, 'still counted once');
  assert.deepEqual(cut.get(a), single.get(a), 'A: all its evidence is at its end');
  assert.notDeepEqual(cut.get(b), single.get(b), 'B: its handler record lay past a 60 s overlap');
});
