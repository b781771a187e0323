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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realProbeDeps, runProbe, type ProbeDeps } from '../../src/probe/index.js';
import { renderProbeText } from '../../src/probe/render.js';
import { renderAudit, runAudit } from '../../src/audit/index.js';
import { skipReason, startLiveStack } from './live-stack.js';

const deps: ProbeDeps = realProbeDeps();

test('probe finds nginx proxy_read_timeout on /slow and gunicorn timeout on /block', { skip: skipReason(), timeout: 600_000 }, async (t) => {
  const glog: string[] = [];
  const stack = await startLiveStack(
    `
    server {
        listen 127.0.0.1:{port:nginx};
        location / {
            proxy_pass http://app;
            proxy_read_timeout 7s;
            proxy_next_upstream off;
        }
    }`,
    { gunicornTimeout: 5, onGunicornStderr: (text) => glog.push(text), keep: process.env.KEEP_STACK !== undefined },
  );
  t.after(() => {
    stack.stop();
    if (process.env.KEEP_STACK) console.log(`stack files kept in ${stack.dir}`);
  });
  const { conf, cmd, dir } = stack;
  const nginxPort = stack.ports['nginx'];

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
