/**
 * A worker death logged before a request began is not its death (src/correlate/workers.ts, diedBefore).
 * The pattern is the live timing run's t0166, which scored 281/282: the worker_timeout scenario's
 * /block killed worker 9625 (WORKER TIMEOUT at 05:39:49), then the worker_crash scenario sent
 * /slow at 05:39:50.460 and SIGKILLed its worker 9630 half a second later; nginx logged a premature
 * close, then a reset on the retry. Nearest pairs gave the close 9630's death and the reset 9625's,
 * and the request, which began after 9625's logged second had ended, became worker_timeout. The
 * same pattern came back in this session's live run (t0175, its lines below).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured, tempDir } from '../helpers.js';
import { assignDeaths, findDeathNear, foldWorkerDeaths, type WorkerDeath } from '../../src/correlate/workers.js';
import type { WorkerEventRow } from '../../src/store/sweep-rows.js';

/** The harness's timing profile (test/harness/profiles.ts): $request_time, $upstream_*, $msec. */
const TIMING_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" ' +
  'us="$upstream_status" rid=$request_id cn=$connection cr=$connection_requests msec=$msec';

const ACCESS = [
  // /block began 05:39:40.900; 9625 hung, gunicorn's WORKER TIMEOUT at :49, the retry reset at once
  '127.0.0.1 - - [05/Dec/2026:05:39:49 +0000] "GET /block?seconds=8&dt=t0160 HTTP/1.1" 502 157 "-" "droptrace-harness/worker_timeout" ' +
    'rt=8.220 uct="0.000, 0.000" uht="-, -" urt="8.220, 0.000" ua="127.0.0.1:46757, 127.0.0.1:43473" us="502, 502" ' +
    'rid=5b1f0c9e2d7a4c1b8e3f6a0d9c2b7e41 cn=31 cr=1 msec=1796449189.120',
  // /slow began 05:39:50.460 (rt 0.503 before msec): 9630 SIGKILLed at .962, the retry reset
  '127.0.0.1 - - [05/Dec/2026:05:39:50 +0000] "GET /slow?seconds=2&dt=t0166 HTTP/1.1" 502 157 "-" "droptrace-harness/worker_crash" ' +
    'rt=0.503 uct="0.000, 0.000" uht="-, -" urt="0.502, 0.001" ua="127.0.0.1:43473, 127.0.0.1:46757" us="502, 502" ' +
    'rid=8d0e6a1f3b2c4d5e9f7a1b2c3d4e5f60 cn=34 cr=1 msec=1796449190.963',
];
const ERROR = [
  '2026/12/05 05:39:49 [error] 9590#9590: *31 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /block?seconds=8&dt=t0160 HTTP/1.1", upstream: "http://127.0.0.1:46757/block?seconds=8&dt=t0160", host: "127.0.0.1:44693"',
  '2026/12/05 05:39:49 [error] 9590#9590: *31 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /block?seconds=8&dt=t0160 HTTP/1.1", upstream: "http://127.0.0.1:43473/block?seconds=8&dt=t0160", host: "127.0.0.1:44693"',
  '2026/12/05 05:39:50 [error] 9590#9590: *34 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /slow?seconds=2&dt=t0166 HTTP/1.1", upstream: "http://127.0.0.1:43473/slow?seconds=2&dt=t0166", host: "127.0.0.1:44693"',
  '2026/12/05 05:39:50 [error] 9590#9590: *34 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /slow?seconds=2&dt=t0166 HTTP/1.1", upstream: "http://127.0.0.1:46757/slow?seconds=2&dt=t0166", host: "127.0.0.1:44693"',
];
const GUNICORN = [
  '[2026-12-05 05:39:30 +0000] [9600] [INFO] Booting worker with pid: 9625',
  '[2026-12-05 05:39:30 +0000] [9600] [INFO] Booting worker with pid: 9630',
  '[2026-12-05 05:39:49 +0000] [9600] [CRITICAL] WORKER TIMEOUT (pid:9625)',
  '[2026-12-05 05:39:49 +0000] [9600] [WARNING] Worker with pid 9625 was terminated due to signal 6',
  '[2026-12-05 05:39:49 +0000] [9641] [INFO] Booting worker with pid: 9641',
  '[2026-12-05 05:39:50 +0000] [9600] [WARNING] Worker with pid 9630 was terminated due to signal 9',
  '[2026-12-05 05:39:51 +0000] [9655] [INFO] Booting worker with pid: 9655',
];

interface Req {
  uri: string; verdict: string; worker: { pid: number } | null;
  attempts: { outcome: string; worker_pid: number | null }[] | null;
}

/** Ingests the three logs (timing log_format) and gives each request's verdict, worker and attempt outcomes by its dt tag. */
async function requestsOf(t: { after: (fn: () => void) => void }, access: string[], error: string[], gunicorn: string[]) {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access.log'), access.join('\n') + '\n');
  writeFileSync(join(dir, 'error.log'), error.join('\n') + '\n');
  writeFileSync(join(dir, 'gunicorn.log'), gunicorn.join('\n') + '\n');
  const db = join(dir, 'd.db');
  const ingest = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, '--log-format', TIMING_FORMAT,
    join(dir, 'access.log'), join(dir, 'error.log'), join(dir, 'gunicorn.log')]);
  assert.equal(ingest.exitCode, 0, ingest.stderr);
  const run = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(run.exitCode, 0, run.stderr);
  const out: Record<string, { verdict: string; worker: number | null; attempts: (string | number | null)[][] | undefined }> = {};
  for (const line of run.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as Req;
    out[r.uri.slice(r.uri.indexOf('dt=') + 3)] = { verdict: r.verdict, worker: r.worker?.pid ?? null, attempts: r.attempts?.map((a) => [a.outcome, a.worker_pid]) };
  }
  return out;
}

test('t0166: a reset retry does not take a WORKER TIMEOUT logged the second before the request began; the request is the SIGKILLed worker\'s crash', async (t) => {
  const reqs = await requestsOf(t, ACCESS, ERROR, GUNICORN);
  assert.deepEqual(reqs.t0166, { verdict: 'worker_crash', worker: 9630, attempts: [['worker_crash', 9630], ['failed', null]] });
  // the death it no longer takes is still the /block's, whose attempt it ended
  assert.deepEqual(reqs.t0160, { verdict: 'worker_timeout', worker: 9625, attempts: [['worker_timeout', 9625], ['failed', null]] });
});

const ev = (id: number, time: number, worker: number, event = 'worker_timeout'): WorkerEventRow =>
  ({ id, time_ms: time, event, pid: 1, worker_pid: worker, signal: null, exit_code: null, message: '' });
const pids = (ds: (WorkerDeath | null)[]) => ds.map((d) => d?.pid ?? null);

test('assignDeaths: a death whose whole logged second ended before the attempt began is no candidate', () => {
  const deaths = foldWorkerDeaths([ev(1, 49_000, 9625), ev(2, 50_000, 9630, 'worker_signaled')]);
  const attempts = [{ endMs: 50_962, responseMs: 502, startMs: 50_460 }, { endMs: 50_963, responseMs: 1, startMs: 50_962 }];
  assert.deepEqual(pids(assignDeaths(deaths, attempts, 0)), [9630, null]);
  // the same attempts without a known start pair as before: nearest first, so the reset takes 9625
  const unknown = attempts.map(({ endMs, responseMs }) => ({ endMs, responseMs }));
  assert.deepEqual(pids(assignDeaths(deaths, unknown, 0)), [9630, 9625]);
  assert.deepEqual(pids(assignDeaths(deaths, attempts.map((a) => ({ ...a, startMs: null })), 0)), [9630, 9625]);
});

test('assignDeaths: a death in the same whole second as the start stays a candidate (gunicorn logs the second it began)', () => {
  const deaths = foldWorkerDeaths([ev(1, 50_000, 42)]);
  // began at 50.999: the death logged "…:50" may have been at 50.999 too
  assert.deepEqual(pids(assignDeaths(deaths, [{ endMs: 51_200, responseMs: 201, startMs: 50_999 }], 0)), [42]);
  // began at 51.000 exactly: the logged second ended at that instant, not before it
  assert.deepEqual(pids(assignDeaths(deaths, [{ endMs: 51_200, responseMs: 200, startMs: 51_000 }], 0)), [42]);
  // began at 51.001: the second of the death had ended
  assert.deepEqual(pids(assignDeaths(deaths, [{ endMs: 51_200, responseMs: 199, startMs: 51_001 }], 0)), [null]);
});

test('assignDeaths: nginx\'s whole-second time widens the boundary by its second; a millisecond death time by nothing', () => {
  const deaths = foldWorkerDeaths([ev(1, 49_000, 42)]);
  // $time_local without $msec: the request's start may be a second earlier than it reads
  assert.deepEqual(pids(assignDeaths(deaths, [{ endMs: 51_000, responseMs: 0, startMs: 50_500 }], 1_000)), [42]);
  assert.deepEqual(pids(assignDeaths(deaths, [{ endMs: 51_000, responseMs: 0, startMs: 51_001 }], 1_000)), [null]);
  // a gunicorn layout with milliseconds: the death is taken as logged
  const precise = foldWorkerDeaths([ev(1, 49_400, 42)]);
  assert.deepEqual(pids(assignDeaths(precise, [{ endMs: 50_000, responseMs: 599, startMs: 49_400 }], 0)), [42]);
  assert.deepEqual(pids(assignDeaths(precise, [{ endMs: 50_000, responseMs: 599, startMs: 49_401 }], 0)), [null]);
});

test('findDeathNear (no $upstream_*): a death logged before the request began is not its death; unknown start: as before', () => {
  const deaths = foldWorkerDeaths([ev(1, 49_000, 9625)]);
  assert.equal(findDeathNear(deaths, 50_963, 0, null, 50_460), null);
  assert.equal(findDeathNear(deaths, 50_963, 0, null, 50_000)?.pid, 9625, 'same second as the start');
  assert.equal(findDeathNear(deaths, 50_963, 0, null)?.pid, 9625, 'no $request_time');
});

test('a live timing recording (2026-12-05 06:13, t0162 and t0175): the crash\'s retry does not take the WORKER TIMEOUT of the /block before it', async (t) => {
  // Lines as the harness recorded them (npm run test:stack -- --profile timing), where main scored
  // 274/275: /block's two attempts each hung a worker (9717, 9716); /slow began at 06:13:48.211 and
  // its worker 11813 was SIGKILLed; the retry closed at once on a cached connection to the dead 9716.
  const access = [
    '127.0.0.1 - - [05/Dec/2026:06:13:47 +0000] "GET /block?seconds=8&dt=t0162 HTTP/1.1" 502 157 "-" "droptrace-harness/worker_timeout" rt=5.414 uct="0.000, 0.000, -" uht="-, -, -" urt="2.336, 3.078, 0.000" ua="127.0.0.1:43827, 127.0.0.1:37757, app" us="502, 502, 502" rid=bafca1055e6a40636ea8c901d04fa662 cn=34 cr=8 msec=1796451227.104',
    '127.0.0.1 - - [05/Dec/2026:06:13:48 +0000] "GET /slow?seconds=2&dt=t0175 HTTP/1.1" 502 157 "-" "droptrace-harness/worker_crash" rt=0.504 uct="0.000, 0.000, -" uht="-, -, -" urt="0.504, 0.000, 0.000" ua="127.0.0.1:37757, 127.0.0.1:43827, app" us="502, 502, 502" rid=5e20d0cf04f131075a0a1902eda4ac35 cn=75 cr=1 msec=1796451228.715',
  ];
  const closed = (time: string, cid: number, uri: string, port: number) =>
    `2026/12/05 ${time} [error] 9719#9719: *${cid} upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET ${uri} HTTP/1.1", upstream: "http://127.0.0.1:${port}${uri}", host: "127.0.0.1:38483"`;
  const noLive = (time: string, cid: number, uri: string) =>
    `2026/12/05 ${time} [error] 9719#9719: *${cid} no live upstreams while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET ${uri} HTTP/1.1", upstream: "http://app${uri}", host: "127.0.0.1:38483"`;
  const error = [
    closed('06:13:44', 34, '/block?seconds=8&dt=t0162', 43827), closed('06:13:47', 34, '/block?seconds=8&dt=t0162', 37757), noLive('06:13:47', 34, '/block?seconds=8&dt=t0162'),
    closed('06:13:48', 75, '/slow?seconds=2&dt=t0175', 37757), closed('06:13:48', 75, '/slow?seconds=2&dt=t0175', 43827), noLive('06:13:48', 75, '/slow?seconds=2&dt=t0175'),
  ];
  const gunicorn = [
    '[2026-12-05 06:13:15 +0000] [9716] [INFO] Booting worker with pid: 9716',
    '[2026-12-05 06:13:15 +0000] [9717] [INFO] Booting worker with pid: 9717',
    '[2026-12-05 06:13:44 +0000] [9715] [CRITICAL] WORKER TIMEOUT (pid:9717)',
    '[2026-12-05 06:13:44 +0000] [9715] [WARNING] Worker with pid 9717 was terminated due to signal 6',
    '[2026-12-05 06:13:44 +0000] [11813] [INFO] Booting worker with pid: 11813',
    '[2026-12-05 06:13:47 +0000] [9715] [CRITICAL] WORKER TIMEOUT (pid:9716)',
    '[2026-12-05 06:13:47 +0000] [9715] [WARNING] Worker with pid 9716 was terminated due to signal 6',
    '[2026-12-05 06:13:47 +0000] [11962] [INFO] Booting worker with pid: 11962',
    '[2026-12-05 06:13:48 +0000] [9715] [WARNING] Worker with pid 11813 was terminated due to signal 9',
    '[2026-12-05 06:13:48 +0000] [12076] [INFO] Booting worker with pid: 12076',
  ];
  const reqs = await requestsOf(t, access, error, gunicorn);
  assert.deepEqual(reqs.t0175, { verdict: 'worker_crash', worker: 11813, attempts: [['worker_crash', 11813], ['failed', null], ['failed', null]] });
  assert.deepEqual(reqs.t0162, { verdict: 'worker_timeout', worker: 9716, attempts: [['worker_timeout', 9717], ['worker_timeout', 9716], ['failed', null]] });
});
