/**
 * The LB stack, live: real HAProxy → real nginx → an upstream, HAProxy logging through syslog. Each
 * scripted failure must happen, and droptrace's verdicts on the recording must reach the targets
 * (≥ 99% of verdicts, ≥ 98% of failures, every request only the LB saw present). Skips, saying why,
 * where haproxy or nginx is not installed. ~35 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lbStackAvailable, runLbStack } from './lb-stack.js';
import { lbProblems, measureLbRecording, renderLbFigures } from './accuracy.js';

test('lb_stack_haproxy_in_front_of_nginx_verdicts_reach_the_targets', { skip: lbStackAvailable() ? false : 'needs /usr/sbin/haproxy and /usr/sbin/nginx (apt-get install haproxy nginx)', timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-lb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = await runLbStack(dir, { raceWaves: 20, waveSize: 16 });
  // Deterministic failures must have happened; the keep-alive race is timing-dependent and reported.
  assert.deepEqual([run.events['lb_timeout'], run.events['client_abort'], run.events['backend_down']], [true, true, true], JSON.stringify(run.events));
  if (!run.events['keepalive_race']) t.diagnostic('the keep-alive race did not happen in this run (a timing window under a millisecond wide)');
  const f = await measureLbRecording(dir);
  t.diagnostic(renderLbFigures(f));
  assert.deepEqual(lbProblems(f), []);
  assert.ok(f.lbOnlyTotal >= 3, 'the backend-down requests are LB-only');
});
