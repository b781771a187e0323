/**
 * `probe --expect-at-least / --expect-drop-by` through the CLI against node's own HTTP server on
 * 127.0.0.1 (waits in tenths of a second): every exit path — met (0), not met (3: answered late, a
 * guard too late, no guard, a hang), nothing to test (1), contradictory flags (2). The real nginx +
 * uvicorn stack is test/probe/gate.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCliCaptured } from '../helpers.js';

/** Waits as asked below `clock`; at `clock` answers 504 ('504') or never ('hang'). */
async function serve(t: { after: (fn: () => void) => void }, clock: number, mode: '504' | 'hang'): Promise<string> {
  const server: Server = createServer((req, res) => {
    const s = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('seconds'));
    if (s < clock) {
      setTimeout(() => res.end('ok'), s * 1000);
      return;
    }
    if (mode === '504') {
      setTimeout(() => {
        res.statusCode = 504;
        res.end('gateway timeout');
      }, clock * 1000);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow?seconds={s}`;
}

test('expect-at-least: met below the guard (exit 0), not met above it with the measured second (exit 3)', async (t) => {
  const url = await serve(t, 0.3, '504');
  const met = await runCliCaptured(['probe', url, '--expect-at-least', '0.2', '--json']);
  assert.equal(met.exitCode, 0, met.stderr);
  const j = JSON.parse(met.stdout) as { stopped: string; requests: number; expectations: { flag: string; met: boolean; status: number }[] };
  assert.deepEqual([j.stopped, j.requests], ['gate', 1], 'one request, no search');
  assert.deepEqual(j.expectations.map((e) => [e.flag, e.met, e.status]), [['--expect-at-least', true, 200]]);
  const late = await runCliCaptured(['probe', url, '--expect-at-least', '0.5']);
  assert.equal(late.exitCode, 3);
  assert.match(late.stderr, /^--expect-at-least 0\.5s not met: a 0\.5s wait failed: http_504 after [\d.]+s \(HTTP 504\)$/m);
  assert.match(late.stdout, /^--expect-at-least 0\.5s not met/m);
});

test('expect-drop-by: a 504 within the bound is met; one later than bound + precision is not', async (t) => {
  const url = await serve(t, 0.3, '504');
  // precision 0.5: a loaded machine may answer the 0.3 s guard late, the bound is 0.8 s
  const met = await runCliCaptured(['probe', url, '--expect-drop-by', '0.3', '--precision', '0.5', '--json']);
  assert.equal(met.exitCode, 0, met.stderr);
  const j = JSON.parse(met.stdout) as { attempts: { s: number; ok: boolean }[]; expectations: { met: boolean; wait_s: number; failure: string }[] };
  assert.deepEqual(j.attempts.map((a) => [a.s, a.ok]), [[0.15, true], [1.8, false]], 'a short wait that must work, then bound + precision + 1 s');
  assert.deepEqual(j.expectations.map((e) => [e.met, e.failure]), [[true, 'http_504']]);
  const tooLate = await runCliCaptured(['probe', url, '--expect-drop-by', '0.1', '--precision', '0.1']);
  assert.equal(tooLate.exitCode, 3);
  assert.match(tooLate.stderr, /^--expect-drop-by 0\.1s not met: http_504 after [\d.]+s, later than 0\.1s \(\+0\.1s precision\)$/m);
});

test('expect-drop-by: a route nothing cuts is not met, answered or hanging until our own timeout', async (t) => {
  const answers = await serve(t, 100, '504');
  const late = await runCliCaptured(['probe', answers, '--expect-drop-by', '0.2', '--precision', '0.1']);
  assert.equal(late.exitCode, 3);
  assert.match(late.stderr, /not met: a 1\.3s wait was answered \(200 after [\d.]+s\): no clock of the stack cut it by 0\.2s/);
  const hangs = await serve(t, 0.2, 'hang');
  const hung = await runCliCaptured(['probe', hangs, '--expect-drop-by', '0.2', '--precision', '0.1', '--client-timeout', '0.6']);
  assert.equal(hung.exitCode, 3);
  assert.match(hung.stderr, /not met: nothing in the stack ended a 1\.3s wait: the probe's own client timeout did, after [\d.]+s \(connected, but no response headers within --client-timeout 0\.6s\)/);
});

test('nothing to test exits 1: a route failing at once, or nothing listening', async (t) => {
  const broken = await serve(t, 0, '504');
  const r = await runCliCaptured(['probe', broken, '--expect-drop-by', '1']);
  assert.equal(r.exitCode, 1, 'a 504 at once is a broken route, not a guard');
  assert.match(r.stdout, /Even the shortest wait failed \(http_504/);
  const port = Number(new URL(broken.replace('{s}', '1')).port);
  const free = await new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });
  assert.notEqual(free, port);
  const refused = await runCliCaptured(['probe', `http://127.0.0.1:${free}/slow?seconds={s}`, '--expect-at-least', '0.1']);
  assert.equal(refused.exitCode, 1);
});

test('a client timeout that would hide the answer is a usage error', async () => {
  const r = await runCliCaptured(['probe', 'http://127.0.0.1:9/slow?seconds={s}', '--expect-at-least', '5', '--client-timeout', '3']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--client-timeout 3 would cut the --expect-at-least 5 wait/);
  const d = await runCliCaptured(['probe', 'http://127.0.0.1:9/slow?seconds={s}', '--expect-drop-by', '5', '--client-timeout', '5']);
  assert.equal(d.exitCode, 2);
});
