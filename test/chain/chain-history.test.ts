/** Audit snapshots in the store: the directive behind a pile of failures, and changes between snapshots. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { matchDirective, describeDirective } from '../../src/report/chain-history.js';
import type { StoredChainSetting } from '../../src/store/sql/chain.js';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';

const setting = (over: Partial<StoredChainSetting>): StoredChainSetting => ({
  snapshot_id: 1, taken_ms: 0, layer: 'nginx', server: 'localhost', location: '/', setting: 'proxy_read_timeout',
  value_s: 5, value: '5s', source: 'nginx.conf:44', ...over,
});

test('pile_at_twice_proxy_read_timeout_is_a_retried_timeout', () => {
  const m = matchDirective([setting({})], 'proxy_timeout', 9.9, 10.1, 1);
  assert.ok(m);
  assert.equal(m.multiple, 2);
  assert.equal(describeDirective(m), '2 × nginx proxy_read_timeout 5s (nginx.conf:44, localhost /, retried on the next server)');
});

test('pile_matches_the_newest_snapshot_before_it', () => {
  const settings = [setting({ snapshot_id: 1, taken_ms: 100, value_s: 60, value: '60s', source: 'old.conf:1' }), setting({ snapshot_id: 2, taken_ms: 200, value_s: 30, value: '30s', source: 'new.conf:1' })];
  assert.equal(matchDirective(settings, 'proxy_timeout', 59.8, 60.2, 150)?.source, 'old.conf:1');
  assert.equal(matchDirective(settings, 'proxy_timeout', 29.8, 30.2, 250)?.source, 'new.conf:1');
  assert.equal(matchDirective(settings, 'proxy_timeout', 44, 46, 250), null, 'no clock at 45 s');
});

test('worker_timeout_with_async_workers_matches_the_heartbeat_window', () => {
  const g = setting({ layer: 'gunicorn', setting: 'timeout', value_s: 30, value: '30', location: '' });
  assert.ok(matchDirective([g], 'worker_timeout', 16, 17, 1), 'killed between timeout/2 and timeout');
  assert.equal(matchDirective([g], 'worker_crash', 29.9, 30.1, 1), null, 'a crash is no clock');
});

test('audit_db_snapshots_show_a_changed_timeout_in_the_report', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'd.db');
  const root = repoRoot();
  const conf = join(root, 'samples/timing/conf/nginx.conf');
  const cmd = join(root, 'samples/timing/conf/gunicorn.cmd');
  const analyzed = await runCliCaptured(['analyze', '--db', db, join(root, 'samples/timing/logs'), '--nginx-conf', conf, '--log-format-name', 'timing', '--tz', 'UTC', '--format', 'json']);
  assert.equal(analyzed.exitCode, 0, analyzed.stderr);
  const first = (JSON.parse(analyzed.stdout) as { window: { first_end: string } }).window.first_end;
  const old = join(dir, 'nginx-old.conf');
  writeFileSync(old, readFileSync(conf, 'utf8').replace(/proxy_read_timeout\s+\S+;/, 'proxy_read_timeout 60s;'));
  const before = new Date(Date.parse(first) - 60_000).toISOString();
  const a1 = await runCliCaptured(['audit', '--db', db, '--at', before, '--nginx-conf', old, '--cmd', cmd]);
  assert.equal(a1.exitCode, 0, a1.stderr);
  const a2 = await runCliCaptured(['audit', '--db', db, '--at', first, '--nginx-conf', conf, '--cmd', cmd]);
  assert.equal(a2.exitCode, 0, a2.stderr);
  const rep = await runCliCaptured(['report', '--db', db, '--format', 'json']);
  const model = JSON.parse(rep.stdout) as { chain: { snapshots: number; changes: { setting: string; from: string; to: string; after: { requests: number } }[] } };
  // analyze --nginx-conf audits the config it was given too (issue 15): its snapshot, taken now, is the third
  assert.equal(model.chain.snapshots, 3);
  const change = model.chain.changes.find((c) => c.setting === 'proxy_read_timeout');
  assert.ok(change, 'the proxy_read_timeout change is listed');
  assert.equal(change.from, '60s');
  assert.ok(change.after.requests > 0);
  const text = await runCliCaptured(['report', '--db', db]);
  assert.match(text.stdout, /proxy_read_timeout .*60s → /);
});

test('audit_at_without_db_is_a_usage_error', async () => {
  const r = await runCliCaptured(['audit', '--at', '2024-01-01', '--nginx-conf', join(repoRoot(), 'samples/timing/conf/nginx.conf')]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--at goes with --db/);
});
