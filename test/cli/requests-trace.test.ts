/**
 * `droptrace requests --failed/--silent/--flag` and `trace` with several matches (issue 15): filters
 * that select what they say, the evidence fields added to the NDJSON contract, and a trace that lists
 * every match instead of silently showing the first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { readdirSync } from 'node:fs';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';

async function combinedDb(t: { after: (fn: () => void) => void }): Promise<string> {
  const db = join(tempDir(t), 'c.db');
  const logs = join(repoRoot(), 'samples', 'combined', 'logs');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', '--correlate', ...readdirSync(logs).map((f) => relative(process.cwd(), join(logs, f)))]);
  assert.equal(r.exitCode, 0, r.stderr);
  return db;
}

const ndjson = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('requests --failed, --silent and --flag select exactly those requests', async (t) => {
  const db = await combinedDb(t);
  const all = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson'])).stdout);
  const failed = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--failed'])).stdout);
  const silent = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--silent'])).stdout);
  const retried = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--flag', 'retried'])).stdout);
  const possible = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--flag', 'keepalive_race_possible'])).stdout);
  assert.equal(all.length, 63);
  assert.deepEqual(failed.map((r) => r['id']), all.filter((r) => r['verdict'] !== 'ok').map((r) => r['id']));
  assert.equal(failed.length, 16);
  assert.deepEqual(silent.map((r) => r['id']), all.filter((r) => r['silent'] === true).map((r) => r['id']));
  assert.ok(silent.length > 0 && silent.length < failed.length);
  assert.deepEqual(retried.map((r) => r['id']), all.filter((r) => r['retried'] === true).map((r) => r['id']));
  assert.ok(retried.length > 0);
  assert.deepEqual(possible.map((r) => r['uri']), ['/api/items?dt=t0035'], 'the POST the keep-alive race failed: counted, not flagged');
  const bad = await runCliCaptured(['requests', '--db', db, '--flag', 'slow']);
  assert.equal(bad.exitCode, 2);
});

test('requests NDJSON: evidence and keepalive_race_possible are added, no field renamed', async (t) => {
  const db = await combinedDb(t);
  const rows = ndjson((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--failed'])).stdout);
  for (const r of rows) {
    for (const k of ['id', 'end', 'verdict', 'silent', 'keepalive_race', 'attempts', 'app', 'worker', 'error_log', 'explanation', 'source']) assert.ok(k in r, k);
    const ev = r['evidence'] as { verdict: { level: string; rule?: string; missing?: string }; flags: Record<string, { level: string }> };
    assert.ok(['exact', 'inferred', 'cannot_tell'].includes(ev.verdict.level));
    assert.ok(ev.verdict.rule ?? ev.verdict.missing);
    if (r['silent'] === true) assert.ok(ev.flags['silent'], 'a flag set carries its support');
  }
  const race = rows.find((r) => r['uri'] === '/api/items?dt=t0035')!;
  assert.equal(race['keepalive_race'], false);
  assert.equal(race['keepalive_race_possible'], true);
  assert.equal(race['verdict'], 'upstream_error', 'it keeps its verdict');
  const worker = rows.find((r) => r['verdict'] === 'worker_timeout')!;
  assert.equal((worker['evidence'] as { verdict: { level: string } }).verdict.level, 'inferred', 'a death matched by time is inferred');
});

test('trace: several matches are all listed, --all traces every one, a single match shows no list', async (t) => {
  const db = await combinedDb(t);
  const many = await runCliCaptured(['trace', '--db', db, '/slow']);
  assert.equal(many.exitCode, 0);
  const listed = many.stdout.split('\n').filter((l) => /^ {2}#\d+ /.test(l));
  const n = Number(/^(\d+) requests match "\/slow"/.exec(many.stdout)?.[1]);
  assert.ok(n > 10, `more than the traced ten match (${n})`);
  assert.equal(listed.length, n, 'every match is listed');
  assert.match(many.stderr, /traced the first 10: --all traces every one/);
  assert.equal((many.stdout.match(/^request #/gm) ?? []).length, 10);
  const all = await runCliCaptured(['trace', '--db', db, '/slow', '--all']);
  assert.equal((all.stdout.match(/^request #/gm) ?? []).length, n);
  assert.equal(all.stderr, '');
  const one = await runCliCaptured(['trace', '--db', db, 'dt=t0035']);
  assert.doesNotMatch(one.stdout, /requests match/);
  assert.match(one.stdout, /evidence: verdict exact: nginx's error log/);
  assert.match(one.stdout, /could be a keep-alive race: cannot tell without \$upstream_connect_time/);
});
