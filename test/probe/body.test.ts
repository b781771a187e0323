/**
 * The probe's request against local servers that misbehave after the status line: an endless
 * chunked body (read up to the cap and discarded, the connection closed: bounded by bytes, not by
 * time), headers then silence, a connection that never gets headers, and a body cut mid-way. Each
 * timeout names its phase; one whose headers arrived is never "no response".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attemptOnce, realProbeDeps, runProbe, renderProbeText, type ProbeDeps } from '../../src/probe/index.js';

const deps = realProbeDeps();

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function stop(server: Server): void {
  server.closeAllConnections();
  server.close();
}

test('an endless chunked body is read up to the cap and dropped, and the connection closed', async (t) => {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const state = { written: 0, closed: false };
  let closed!: () => void;
  const whenClosed = new Promise<void>((r) => (closed = r));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }); // no length: chunked, forever
    const pump = (): void => {
      while (!res.destroyed) {
        state.written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('close', () => {
      state.closed = true;
      closed();
    });
    pump();
  });
  const base = await listen(server);
  t.after(() => stop(server));
  const cap = 256 * 1024;
  const out = await attemptOnce(`${base}/stream?seconds={s}`, 1, 60, deps, undefined, cap);
  assert.notEqual(out, 'aborted');
  if (out === 'aborted') return;
  assert.equal(out.ok, true, JSON.stringify(out));
  assert.equal(out.body_capped, true);
  // one socket read past the cap at most (64 KiB reads), never the stream
  assert.ok(out.body_bytes !== undefined && out.body_bytes >= cap && out.body_bytes < cap + 128 * 1024, `read ${out.body_bytes} bytes`);
  await whenClosed;
  assert.ok(state.closed, 'the probe closed the connection');
  // the server could only write what the client read plus the socket buffers
  assert.ok(state.written >= cap && state.written < 32 * 1024 * 1024, `server wrote ${state.written} bytes`);
});

test('headers then a stalled body: a client timeout in the body phase, with the status, not "no response"', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first bytes'); // then nothing
  });
  const base = await listen(server);
  t.after(() => stop(server));
  const out = await attemptOnce(`${base}/stall?seconds={s}`, 1, 0.4, deps);
  assert.ok(out !== 'aborted' && !out.ok, JSON.stringify(out));
  assert.equal(out.failure, 'client_timeout');
  assert.equal(out.phase, 'body');
  assert.equal(out.status, 200);
  assert.equal(out.body_bytes, 'first bytes'.length);
  assert.match(out.detail, /^HTTP 200 headers after [\d.]+s, but the body had not ended at --client-timeout 0\.4s \(11 bytes read\)$/);
  assert.doesNotMatch(out.detail, /no response/);
});

test('connected but no headers: a client timeout in the headers phase', async (t) => {
  const server = createServer(() => undefined); // accepts, never answers
  const base = await listen(server);
  t.after(() => stop(server));
  const out = await attemptOnce(`${base}/quiet?seconds={s}`, 1, 0.3, deps);
  assert.ok(out !== 'aborted' && !out.ok);
  assert.deepEqual([out.failure, out.phase, out.status], ['client_timeout', 'headers', null]);
  assert.match(out.detail, /^connected, but no response headers within --client-timeout 0\.3s$/);
});

test('no connection at all within the timeout: the connect phase', async () => {
  // a connection that never comes up cannot be made on loopback: a GET that never connects stands in
  const never: ProbeDeps = { ...deps, get: (_url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')))) };
  const out = await attemptOnce('http://127.0.0.1:9/x?seconds={s}', 1, 0.2, never);
  assert.ok(out !== 'aborted' && !out.ok);
  assert.deepEqual([out.failure, out.phase], ['client_timeout', 'connect']);
  assert.match(out.detail, /^no connection within --client-timeout 0\.2s$/);
});

test('a body cut mid-way is a reset in the body phase that says the headers had arrived', async (t) => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('only part of it');
    setTimeout(() => req.socket.destroy(), 50);
  });
  const base = await listen(server);
  t.after(() => stop(server));
  const out = await attemptOnce(`${base}/cut?seconds={s}`, 1, 5, deps);
  assert.ok(out !== 'aborted' && !out.ok, JSON.stringify(out));
  assert.deepEqual([out.failure, out.phase, out.status], ['reset', 'body', 200]);
  assert.match(out.detail, /HTTP 200 headers had arrived after [\d.]+s, the body broke after 15 bytes/);
});

test('runProbe reports the capped body per attempt, in JSON fields and in text', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200);
    res.end(Buffer.alloc(5000, 'y'));
  });
  const base = await listen(server);
  t.after(() => stop(server));
  const out = await runProbe({ url: `${base}/big?seconds={s}`, start: 0.1, max: 0.2, precision: 0.05, maxBodyBytes: 1000 }, deps);
  assert.ok(out.ok);
  assert.equal(out.result.stopped, 'no-drop');
  assert.ok(out.result.attempts.every((a) => a.ok && a.body_capped && a.body_bytes !== null && a.body_bytes >= 1000 && a.body_bytes <= 5000));
  assert.match(renderProbeText(out.result), /200 ok after [\d.]+s \(body not read past \d+ bytes: --max-body\)/);
  const bad = await runProbe({ url: `${base}/big?seconds={s}`, maxBodyBytes: 0 }, deps);
  assert.ok(!bad.ok && bad.kind === 'usage' && /--max-body/.test(bad.message));
});
