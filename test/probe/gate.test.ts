/**
 * The probe's gate on the real stack (nginx → gunicorn with uvicorn workers → test/probe/stack/app.py,
 * started once for the file: about 25 s), and the README's pipeline shell step run as written:
 * extracted from README.md between its markers, run by bash with `droptrace` on PATH against the
 * stack's config and URL. Server `guarded` has proxy_read_timeout 2s; `reset` is the same route after
 * a template reset to nginx's default 60s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { skipReason, startLiveStack, type LiveStack } from './live-stack.js';

const SERVERS = `
    server {
        listen 127.0.0.1:{port:guarded};
        location / {
            proxy_pass http://app;
            proxy_read_timeout 2s;
            proxy_next_upstream off;
        }
    }
    server {
        listen 127.0.0.1:{port:reset};
        location / {
            proxy_pass http://app;
            proxy_next_upstream off;
        }
    }`;

const skip = skipReason();
let stack: LiveStack | undefined;
before(async () => {
  if (!skip) stack = await startLiveStack(SERVERS);
});
after(() => stack?.stop());

const live = (): LiveStack => {
  assert.ok(stack, 'the stack started');
  return stack;
};
const url = (server: string): string => `http://127.0.0.1:${live().ports[server]}/slow?seconds={s}`;
const withConfig = (): string[] => ['--nginx-conf', live().conf, '--cmd', live().cmd];
const readTimeoutLine = (): number => readFileSync(live().conf, 'utf8').split('\n').findIndex((l) => l.includes('proxy_read_timeout 2s')) + 1;

interface GateJson {
  stopped: string;
  expectations: { flag: string; met: boolean; elapsed_s: number; failure: string | null; clock: { layer: string; setting: string; value_s: number; source: string } | null }[];
}

test('a guarded route meets both expectations; the clock that cut it is nginx proxy_read_timeout', { skip }, async () => {
  const r = await runCliCaptured(['probe', url('guarded'), '--expect-at-least', '1', '--expect-drop-by', '2', '--json', ...withConfig()]);
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout) as GateJson;
  assert.equal(j.stopped, 'gate');
  assert.deepEqual(j.expectations.map((e) => [e.flag, e.met, e.failure]), [['--expect-at-least', true, null], ['--expect-drop-by', true, 'http_504']]);
  const drop = j.expectations[1]!;
  assert.ok(drop.elapsed_s >= 1.9 && drop.elapsed_s <= 2.5, `504 after ${drop.elapsed_s}s`);
  assert.deepEqual([drop.clock?.layer, drop.clock?.setting, drop.clock?.value_s, drop.clock?.source], ['nginx', 'proxy_read_timeout', 2, `${live().conf}:${readTimeoutLine()}`]);
});

test('a wait past the guard is not answered: exit 3 with the measured second and the clock that fired', { skip }, async () => {
  const r = await runCliCaptured(['probe', url('guarded'), '--expect-at-least', '3', ...withConfig()]);
  assert.equal(r.exitCode, 3, r.stdout + r.stderr);
  const line = r.stderr.trim();
  assert.match(line, /^--expect-at-least 3s not met: a 3s wait failed: http_504 after [\d.]+s \(HTTP 504\); the clock that fired: nginx proxy_read_timeout = 2s \((\S+)\)$/);
  assert.ok(line.endsWith(`(${live().conf}:${readTimeoutLine()})`), line);
});

test('after a template reset nothing cuts a hung request by 2 s: exit 3, answered instead', { skip }, async () => {
  const r = await runCliCaptured(['probe', url('reset'), '--expect-drop-by', '2', ...withConfig()]);
  assert.equal(r.exitCode, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /^--expect-drop-by 2s not met: a 3\.5s wait was answered \(200 after [\d.]+s\): no clock of the stack cut it by 2s$/m);
});

/** The README's shell step, as written. */
function readmeStep(): string {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const m = /<!-- pipeline-shell:start -->\n```bash\n([\s\S]*?)```\n<!-- pipeline-shell:end -->/.exec(readme);
  assert.ok(m, 'README.md has the pipeline shell step between its markers');
  return m[1]!;
}

function runStep(t: { after: (fn: () => void) => void }, conf: string): { status: number | null; stdout: string; stderr: string } {
  const dir = tempDir(t);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // `droptrace` as an installed package would put it on PATH
  writeFileSync(join(bin, 'droptrace'), `#!/bin/sh\nexec ${process.execPath} ${join(repoRoot(), 'dist/src/cli/main.js')} "$@"\n`);
  chmodSync(join(bin, 'droptrace'), 0o755);
  writeFileSync(join(dir, 'deploy.sh'), readmeStep());
  // chain.json: the chain in production, saved from the deployed config
  const w = spawnSync(join(bin, 'droptrace'), ['audit', '--nginx-conf', live().conf, '--cmd', live().cmd, '--write-baseline', 'chain.json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(w.status, 0, w.stderr);
  const env = {
    ...process.env,
    PATH: `${bin}:${dirname('/usr/sbin/nginx')}:${process.env.PATH ?? ''}`,
    NGINX_CONF: conf,
    APP_CMD: live().cmd,
    STAGING_URL: `http://127.0.0.1:${live().ports['guarded']}`,
    EXPECT_AT_LEAST: '1',
    EXPECT_DROP_BY: '2',
    NO_COLOR: '1',
  };
  const r = spawnSync('bash', ['deploy.sh'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the README's pipeline step passes an unchanged rendered config and a staging that meets its clocks", { skip }, async (t) => {
  const r = runStep(t, live().conf);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Timeout chain/, 'the audit ran');
  assert.match(r.stdout, /--expect-at-least 1s met: answered 200/);
  assert.match(r.stdout, /--expect-drop-by 2s met: http_504 after [\d.]+s; the clock that fired: nginx proxy_read_timeout = 2s/);
});

test("the README's pipeline step stops a rendered config whose read timeout changed, before the probe", { skip }, async (t) => {
  const dir = tempDir(t);
  const rendered = join(dir, 'nginx.conf');
  writeFileSync(rendered, readFileSync(live().conf, 'utf8').replace('proxy_read_timeout 2s;', 'proxy_read_timeout 20s;'));
  const r = runStep(t, rendered);
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /--baseline chain\.json: 1 change in the timeout chain/);
  assert.match(r.stderr, new RegExp(`nginx proxy_read_timeout in listen 127\\.0\\.0\\.1:\\d+ /: 2s \\(${live().conf.replace(/[.]/g, '\\.')}:\\d+\\) → 20s \\(${rendered.replace(/[.]/g, '\\.')}:\\d+\\)`));
  assert.doesNotMatch(r.stdout, /--expect/, 'the probe did not run');
});
