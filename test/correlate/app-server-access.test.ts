/**
 * The app server's access lines are evidence that the app answered: the recorded gunicorn 20.1.0
 * stream (sync worker, --access-logfile -) joined to nginx's lines for the same requests (re-typed:
 * nginx in front of that run, each request ending a few ms after gunicorn's line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';

const recorded = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'gunicorn-recorded', name);

interface Req { uri: string; status: number; verdict: string; app: { status: number | null; completed: boolean } | null; app_server: { server: string; status: number | null; time: string | null; source: { line: number } } | null }

test('gunicorn access lines join their nginx request: "the app server answered status S at T", in requests and trace', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access.log'), [
    '127.0.0.1 - - [05/Dec/2026:00:33:59 +0000] "GET /x HTTP/1.1" 200 3 "-" "curl/7.88.1"',
    '127.0.0.1 - - [05/Dec/2026:00:34:00 +0000] "GET /slow?s=1 HTTP/1.1" 200 3 "-" "curl/7.88.1"',
    '127.0.0.1 - - [05/Dec/2026:00:34:03 +0000] "GET /y HTTP/1.1" 200 3 "-" "curl/7.88.1"',
  ].join('\n') + '\n');
  const db = join(dir, 'd.db');
  const ingest = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, join(dir, 'access.log'), recorded('sync-access-logfile-timeout.log')]);
  assert.equal(ingest.exitCode, 0, ingest.stderr);
  const run = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(run.exitCode, 0, run.stderr);
  const reqs = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Req);
  assert.deepEqual(reqs.map((r) => [r.uri, r.verdict, r.app?.status ?? null, r.app_server?.server ?? null, r.app_server?.status ?? null, r.app_server?.source.line ?? null]), [
    ['/x', 'ok', 200, 'gunicorn', 200, 6],
    ['/slow?s=1', 'ok', 200, 'gunicorn', 200, 8],
    ['/y', 'ok', 200, 'gunicorn', 200, 11],
  ]);
  assert.equal(reqs[0]!.app_server!.time, '2026-12-05T00:33:59.000Z');
  const trace = await runCliCaptured(['trace', '--db', db, '/y']);
  assert.match(trace.stdout, /the app server \(gunicorn\) answered GET \/y with status 200/);
});

test('without the app server\'s line the same request has no app evidence (the join is what the line adds)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access.log'), '127.0.0.1 - - [05/Dec/2026:00:33:59 +0000] "GET /x HTTP/1.1" 200 3 "-" "curl/7.88.1"\n');
  writeFileSync(join(dir, 'gunicorn.log'), '[2026-12-05 00:33:57 +0000] [13388] [INFO] Starting gunicorn 20.1.0\n');
  const db = join(dir, 'd.db');
  assert.equal((await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, join(dir, 'access.log'), join(dir, 'gunicorn.log')])).exitCode, 0);
  const r = JSON.parse((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson'])).stdout.trim()) as Req;
  assert.equal(r.app, null);
  assert.equal(r.app_server, null);
});

const ATOMS = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %(L)s %(M)s %(T)s %(p)s %({x-request-id}i)s %({content-type}o)s';

test('--gunicorn-conf: access_log_format with %(D)s gives the request time, pid and request id; a handler that outlived a 499 is wasted work', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'gunicorn.conf.py'), [
    'bind = "127.0.0.1:8000"',
    `access_log_format = '${ATOMS}'`,
    'logconfig_dict = {',
    '    "version": 1,',
    '    "formatters": {',
    '        "generic": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"},',
    '    },',
    '}',
  ].join('\n') + '\n');
  // nginx in front: /slow's client gave up after 0.4 s (499) while the handler ran on for 1 s.
  writeFileSync(join(dir, 'access.log'), [
    '127.0.0.1 - - [05/Dec/2026:00:34:45 +0000] "GET /x HTTP/1.1" 200 3 "-" "curl/7.88.1" 0.002',
    '127.0.0.1 - - [05/Dec/2026:00:34:45 +0000] "GET /slow?s=1 HTTP/1.1" 499 0 "-" "curl/7.88.1" 0.400',
    '127.0.0.1 - - [05/Dec/2026:00:34:46 +0000] "GET /y?q=1 HTTP/1.1" 200 3 "http://ref.example/" "Mozilla/5.0 (X11)" 0.002',
  ].join('\n') + '\n');
  const db = join(dir, 'd.db');
  const ingest = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, '--gunicorn-conf', join(dir, 'gunicorn.conf.py'),
    '--log-format', '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
    join(dir, 'access.log'), recorded('sync-access-logformat-atoms.log')]);
  assert.equal(ingest.exitCode, 0, ingest.stderr);
  assert.match(ingest.stderr, /gunicorn access_log_format from .*gunicorn\.conf\.py:2: .*carries request time, request id, pid/);
  assert.match(ingest.stderr, /app log format from .*gunicorn\.conf\.py:6 \(logconfig_dict\)/);
  const run = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  const reqs = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Req & { wasted_work: boolean; app_server: { elapsed_s: number | null; pid: number | null; request_id: string | null } | null });
  assert.deepEqual(reqs.map((r) => [r.uri, r.verdict, r.wasted_work, r.app_server?.elapsed_s ?? null, r.app_server?.pid ?? null, r.app_server?.request_id ?? null]), [
    ['/x', 'ok', false, 0, 14951, null],
    ['/slow?s=1', 'client_abort', true, 1.001, 14951, null],
    ['/y?q=1', 'ok', false, 0.001, 14951, 'abc123'],
  ]);
});

test('--app-log-format and --gunicorn-access-format errors are usage errors naming the field', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'x.log'), 'x\n');
  const bad = await runCliCaptured(['ingest', '--db', join(dir, 'd.db'), '--app-log-format', '%(asctime)s %(levelname)s', join(dir, 'x.log')]);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /no %\(message\)s/);
  const atom = await runCliCaptured(['ingest', '--db', join(dir, 'd.db'), '--gunicorn-access-format', '%(h)s %(Q)s %(s)s "%(r)s"', join(dir, 'x.log')]);
  assert.equal(atom.exitCode, 2);
  assert.match(atom.stderr, /%\(Q\)s at character 7 is not a gunicorn access_log_format atom/);
});

test('a gunicorn stream read with a declared access_log_format is resumed with it (the format travels with the file)', async (t) => {
  const { appendFileSync, readFileSync } = await import('node:fs');
  const { openStore } = await import('../../src/store/open.js');
  const dir = tempDir(t);
  const lines = readFileSync(recorded('sync-access-logformat-atoms.log'), 'utf8').split('\n');
  const log = join(dir, 'gunicorn.log');
  writeFileSync(log, lines.slice(0, 6).join('\n') + '\n');
  const db = join(dir, 'd.db');
  assert.equal((await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, '--gunicorn-access-format', ATOMS, log])).exitCode, 0);
  appendFileSync(log, lines.slice(6).join('\n'));
  // No format flag the second time: the stored reading has it.
  const again = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', db, log]);
  assert.equal(again.exitCode, 0, again.stderr);
  const store = openStore(db);
  try {
    const rows = store.prepare("SELECT pattern, elapsed_ms FROM app_requests WHERE kind = 'access' ORDER BY line_no").all();
    assert.deepEqual(rows, [
      { pattern: 'access_log_format', elapsed_ms: 0 },
      { pattern: 'access_log_format', elapsed_ms: 1001 },
      { pattern: 'access_log_format', elapsed_ms: 1 },
    ]);
  } finally {
    store.close();
  }
});
