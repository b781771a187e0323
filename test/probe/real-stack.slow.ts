/**
 * The probe against a real stack (slow: about two minutes; not picked up by `node --test dist/test/`):
 * nginx (proxy_read_timeout 7s) → gunicorn with uvicorn workers (--timeout 5) → test/probe/stack/app.py.
 * Checks that the probe finds ~7s/504 (nginx proxy_read_timeout) on /slow and a 502 (gunicorn
 * timeout, the worker killed with its event loop blocked) on /block, and names the right layer. The
 * /block drop is not at 5 s: with UvicornWorker it lands anywhere between ~timeout/2−1 and timeout+1.
 *
 *   npm run build && node dist/test/probe/real-stack.slow.js
 *
 * Loopback only; every process started here is stopped by its pid at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realProbeDeps, runProbe, type ProbeDeps } from '../../src/probe/index.js';
import { renderProbeText } from '../../src/probe/render.js';
import { renderAudit, runAudit } from '../../src/audit/index.js';

const NGINX = '/usr/sbin/nginx';
const GUNICORN = '/usr/bin/gunicorn';
const PYTHON = '/usr/bin/python3';
const APP_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../../test/probe/stack');

const missing = [NGINX, GUNICORN, PYTHON].filter((p) => !existsSync(p));
const uvicorn = missing.length === 0 && spawnSync(PYTHON, ['-c', 'import uvicorn.workers']).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${ms}ms`);
}

const deps: ProbeDeps = realProbeDeps();

test('probe finds nginx proxy_read_timeout on /slow and gunicorn timeout on /block', { skip: missing.length > 0 ? `not installed: ${missing.join(', ')}` : !uvicorn ? 'uvicorn is not importable by /usr/bin/python3' : false, timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-stack-'));
  mkdirSync(join(dir, 'logs'));
  const appPort = await freePort();
  const nginxPort = await freePort();
  const procs: ChildProcess[] = [];
  t.after(() => {
    for (const p of procs) if (p.pid !== undefined && p.exitCode === null) p.kill('SIGTERM');
    if (!process.env.KEEP_STACK) rmSync(dir, { recursive: true, force: true });
    else console.log(`stack files kept in ${dir}`);
  });

  const cmd = `${GUNICORN} -k uvicorn.workers.UvicornWorker --timeout 5 -w 2 -b 127.0.0.1:${appPort} --chdir ${APP_DIR} app:app`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')} info;
events { worker_connections 64; }
http {
    log_format timed '$remote_addr [$time_iso8601] "$request" $status rt=$request_time '
                     'uct=$upstream_connect_time uht=$upstream_header_time urt=$upstream_response_time '
                     'us=$upstream_status ua=$upstream_addr rid=$request_id';
    access_log ${join(dir, 'logs/access.log')} timed;
    upstream app {
        server 127.0.0.1:${appPort};
    }
    server {
        listen 127.0.0.1:${nginxPort};
        location / {
            proxy_pass http://app;
            proxy_read_timeout 7s;
            proxy_next_upstream off;
        }
    }
}
`,
  );
  writeFileSync(join(dir, 'cmd.txt'), cmd + '\n');

  const g = spawn(PYTHON, cmd.split(' '), { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(g);
  const glog: string[] = [];
  g.stderr?.on('data', (b: Buffer) => glog.push(b.toString()));
  const n = spawn(NGINX, ['-c', conf, '-p', dir, '-e', join(dir, 'logs/error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(n);
  await waitFor(`http://127.0.0.1:${nginxPort}/slow?seconds=0`, 15_000);

  const audit = runAudit({ nginxConf: conf, cmd });
  assert.ok(audit.ok, 'the stack config audits');
  console.log(renderAudit(audit.result, 'text', { color: false }));

  const inputs = { nginxConf: conf, cmd };
  const slow = await runProbe({ url: `http://127.0.0.1:${nginxPort}/slow?seconds={s}`, max: 20, precision: 0.5, audit: inputs, onProgress: (l) => console.log(l) }, deps);
  assert.ok(slow.ok);
  console.log(renderProbeText(slow.result));
  assert.equal(slow.result.failure, 'http_504');
  assert.ok(slow.result.drop_s !== null && Math.abs(slow.result.drop_s - 7) <= 0.5 + 0.2, `drop at ${slow.result.drop_s}s, expected ~7s`);
  assert.equal(slow.result.matches[0]?.setting, 'proxy_read_timeout');
  assert.equal(slow.result.matches[0]?.layer, 'nginx');

  const block = await runProbe({ url: `http://127.0.0.1:${nginxPort}/block?seconds={s}`, max: 20, precision: 0.5, audit: inputs, onProgress: (l) => console.log(l) }, deps);
  assert.ok(block.ok);
  console.log(renderProbeText(block.result));
  assert.equal(block.result.failure, 'http_502');
  // Not ~5 s: UvicornWorker heartbeats every ~timeout/2 (+1 s tick) and the arbiter checks once a
  // second, so a blocked loop is killed between ~1.5 s and ~6 s into the block (see src/probe/matches.ts).
  assert.ok(block.result.drop_s !== null && block.result.drop_s >= 1 && block.result.drop_s <= 6.5, `drop at ${block.result.drop_s}s, expected 1.5-6s`);
  assert.equal(block.result.matches[0]?.layer, 'gunicorn');
  assert.equal(block.result.matches[0]?.setting, 'timeout');

  console.log('--- nginx access log ---\n' + readFileSync(join(dir, 'logs/access.log'), 'utf8'));
  console.log('--- gunicorn log (WORKER TIMEOUT lines) ---\n' + glog.join('').split('\n').filter((l) => /TIMEOUT|Booting|exiting/i.test(l)).join('\n'));
});
