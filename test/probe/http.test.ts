/**
 * The probe against a real HTTP server on 127.0.0.1 (node's own): a route that answers 504 once the
 * asked wait exceeds 0.3 s, one that resets the connection, and a client timeout. Waits are tenths
 * of a second, so the whole file runs in about 3 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realProbeDeps, runProbe, type ProbeDeps } from '../../src/probe/index.js';

const realDeps: ProbeDeps = realProbeDeps();

async function serve(clock: number, mode: '504' | 'reset' | 'hang'): Promise<{ server: Server; base: string; max: () => number }> {
  let inFlight = 0;
  let most = 0;
  const server = createServer((req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    const s = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('seconds'));
    const done = (): void => void inFlight--;
    res.on('close', done);
    if (s < clock) {
      setTimeout(() => res.end('ok'), s * 1000);
      return;
    }
    setTimeout(() => {
      if (mode === '504') {
        res.statusCode = 504;
        res.end('gateway timeout');
      } else if (mode === 'reset') req.socket.destroy();
      // 'hang': never answer; the probe's client timeout must fire
    }, clock * 1000);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, max: () => most };
}

test('probe over HTTP: finds a 504 clock at 0.3 s, one request at a time', async (t) => {
  const { server, base, max } = await serve(0.3, '504');
  t.after(() => server.close());
  const out = await runProbe({ url: `${base}/slow?seconds={s}`, start: 0.05, precision: 0.05, max: 2 }, realDeps);
  assert.ok(out.ok);
  assert.equal(out.result.failure, 'http_504');
  assert.ok(out.result.drop_s !== null && Math.abs(out.result.drop_s - 0.3) <= 0.1, `drop ${out.result.drop_s}`);
  assert.equal(max(), 1);
});

test('probe over HTTP: a reset connection is reported as reset', async (t) => {
  const { server, base } = await serve(0.2, 'reset');
  t.after(() => server.close());
  const out = await runProbe({ url: `${base}/r?seconds={s}`, start: 0.05, precision: 0.05, max: 1 }, realDeps);
  assert.ok(out.ok);
  assert.equal(out.result.failure, 'reset');
});

test('probe over HTTP: the client timeout fires when nothing answers', async (t) => {
  const { server, base } = await serve(0.2, 'hang');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const out = await runProbe({ url: `${base}/h?seconds={s}`, start: 0.05, precision: 0.1, max: 0.8, clientTimeout: 0.5 }, realDeps);
  assert.ok(out.ok);
  assert.equal(out.result.failure, 'client_timeout');
  assert.deepEqual(out.result.matches, []);
});

test('probe over HTTP: an abort (Ctrl-C) stops the request in flight and returns what is known', async (t) => {
  const { server, base } = await serve(100, '504');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 500);
  const started = performance.now();
  const out = await runProbe({ url: `${base}/s?seconds={s}`, start: 0.1, precision: 0.05, max: 60, signal: ctl.signal }, realDeps);
  assert.ok(out.ok);
  assert.equal(out.result.stopped, 'interrupted');
  assert.ok(out.result.last_ok_s !== null);
  assert.ok(performance.now() - started < 2000, 'did not wait for the slow request');
});
