/**
 * Shards against one database (issue 18): a stack cut into time windows, and several stacks run in
 * parallel, must give the verdicts and the report one database holding everything gives — through
 * the shard databases (--db DIR) and through the exported Parquet dataset (--dataset), with a load
 * balancer in front too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { NGINX_LB_FORMAT } from '../harness/lb/confs.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';
import { queryDataset } from '../../src/fleet/dataset.js';
import { byLine, datasetByLine } from './compare.js';

const INGEST = ['--tz', 'UTC', '--log-format', TIMING_FORMAT];

async function cli(argv: string[], expectExit = 0): Promise<string> {
  const r = await runCliCaptured(argv);
  assert.equal(r.exitCode, expectExit, `droptrace ${argv.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** The report's JSON without the time it was generated. */
const reportJson = (s: string) => {
  const j = JSON.parse(s) as Record<string, unknown>;
  delete j.generated_at;
  return j;
};

test('a stack cut into 10 s windows, with 30 s requests straddling every cut, gets the verdicts and report of one database', async (t) => {
  const dir = tempDir(t);
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 8000, { seed: 7 });
  const one = join(dir, 'one.db');
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', stack!.dir, '--db', one, '--host', 'web-01', '--correlate', ...INGEST]);
  const out = await cli(['ingest', stack!.dir, '--db', shards, '--window', '2024-03-09T23:59:50Z,2024-03-10T00:01:00Z', '--split', '10s', '--overlap', '45s', '--correlate', '--jobs', '2', ...INGEST]);
  assert.match(out, /7 shard\(s\)/); // the first from 23:59:50, where gunicorn started

  const single = byLine((await cli(['requests', '--db', one, '--format', 'ndjson'])).trim().split('\n'));
  const timeouts = [...single.values()].filter((r) => r.verdict === 'worker_timeout');
  assert.ok(timeouts.length >= 2 && timeouts.every((r) => (r.request_time_s as number) > 20), 'the corpus has 30 s requests, longer than two windows');

  const dataset = join(dir, 'dataset');
  await cli(['export', '--db', shards, '--dataset', dataset]);
  const sharded = await datasetByLine(dataset, single);
  assert.equal(sharded.size, single.size, 'every request once: none lost at a cut, none counted by two windows');
  for (const [key, r] of single) assert.deepEqual(sharded.get(key), r, key);

  const textOne = await cli(['report', '--db', one]);
  assert.equal(await cli(['report', '--db', shards]), textOne);
  assert.equal(await cli(['report', '--dataset', dataset]), textOne);
  assert.deepEqual(reportJson(await cli(['report', '--dataset', dataset, '--format', 'json'])), reportJson(await cli(['report', '--db', one, '--format', 'json'])));
});

test('stacks run in parallel give the report of one database over every stack, in every format, with --fail-on', async (t) => {
  const dir = tempDir(t);
  // each stack in its own hour: one database cannot mix them up (generated stacks share worker pids)
  const stacks = await generateStacks(join(dir, 'logs'), ['web-01', 'web-02', 'web-03'], 4000, { seed: 11, apart: true });
  const one = join(dir, 'one.db');
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', ...stacks.map((s) => s.dir), '--db', one, '--correlate', ...INGEST]);
  await cli(['ingest', ...stacks.map((s) => s.dir), '--db', shards, '--jobs', '2', ...INGEST]);
  const dataset = join(dir, 'dataset');
  await cli(['export', '--db', shards, '--dataset', dataset]);
  // the report's own time is the only line allowed to differ
  const undated = (s: string) => s.replace(/generated[^\n]*/g, 'generated …');
  for (const format of ['text', 'markdown', 'html']) {
    assert.equal(undated(await cli(['report', '--dataset', dataset, '--format', format, '--tz', 'UTC'])), undated(await cli(['report', '--db', one, '--format', format, '--tz', 'UTC'])), format);
  }
  assert.deepEqual(reportJson(await cli(['report', '--db', shards, '--format', 'json'])), reportJson(await cli(['report', '--db', one, '--format', 'json'])));
  const rule = ['--fail-on', 'requests>=12000'];
  await cli(['report', '--dataset', dataset, ...rule], 3);
  await cli(['report', '--db', one, ...rule], 3);
  await cli(['report', '--dataset', dataset, '--fail-on', 'requests>12000'], 0);

  const perStack = await queryDataset(dataset, 'SELECT stack, count(*) AS n FROM requests GROUP BY stack ORDER BY stack');
  assert.deepEqual(perStack.rows, stacks.map((s) => ({ stack: s.name, n: 4000 })));
});

test('report --dataset --since-last keeps a mark per shard: a re-exported shard reports only its new requests', async (t) => {
  const dir = tempDir(t);
  const stacks = await generateStacks(join(dir, 'logs'), ['web-01', 'web-02'], 1500, { seed: 3 });
  const shards = join(dir, 'shards') + '/';
  const dataset = join(dir, 'dataset');
  await cli(['ingest', ...stacks.map((s) => s.dir), '--db', shards, ...INGEST]);
  await cli(['export', '--db', shards, '--dataset', dataset]);
  const first = JSON.parse(await cli(['report', '--dataset', dataset, '--since-last', '--format', 'json'])) as { totals: { requests: number } };
  assert.equal(first.totals.requests, 3000);
  const again = JSON.parse(await cli(['report', '--dataset', dataset, '--since-last', '--format', 'json'])) as { totals: { requests: number }; window: { since_last: { previous_report_at: string | null } } };
  assert.equal(again.totals.requests, 0);
  assert.notEqual(again.window.since_last.previous_report_at, null);

  // web-02 gets a late file: 40 more requests; web-01 nothing
  const lines = readFileSync(join(stacks[1]!.dir, 'access-timing.log'), 'utf8').split('\n').slice(200, 240);
  writeFileSync(join(stacks[1]!.dir, 'access-late.log'), lines.join('\n') + '\n');
  await cli(['ingest', ...stacks.map((s) => s.dir), '--db', shards, ...INGEST]);
  await cli(['export', '--db', shards, '--dataset', dataset]);
  const late = JSON.parse(await cli(['report', '--dataset', dataset, '--since-last', '--format', 'json'])) as { totals: { requests: number }; inputs: { path: string }[] };
  assert.equal(late.totals.requests, 40);
  assert.ok(late.inputs.some((i) => i.path.endsWith('web-02/access-late.log')));
  // the same marks through the shard directory itself
  assert.equal((JSON.parse(await cli(['report', '--db', shards, '--since-last', '--format', 'json'])) as { totals: { requests: number } }).totals.requests, 3040);
  assert.equal((JSON.parse(await cli(['report', '--db', shards, '--since-last', '--format', 'json'])) as { totals: { requests: number } }).totals.requests, 0);
});

test('with a load balancer in front (samples/lb, HAProxy → nginx), the dataset\'s report equals one database\'s: requests only the LB logged included', async (t) => {
  const dir = tempDir(t);
  const stack = join(dir, 'logs', 'lb-01');
  mkdirSync(stack, { recursive: true });
  for (const f of readdirSync(join(repoRoot(), 'samples', 'lb', 'logs'))) copyFileSync(join(repoRoot(), 'samples', 'lb', 'logs', f), join(stack, f));
  const ingest = ['--tz', 'UTC', '--log-format', NGINX_LB_FORMAT];
  const one = join(dir, 'one.db');
  await cli(['ingest', stack, '--db', one, '--host', 'lb-01', '--correlate', ...ingest]);
  const lbOnly = JSON.parse(await cli(['query', 'SELECT count(*) AS n FROM request_verdicts WHERE access_id < 0', '--db', one, '--format', 'json'])) as { n: number }[];
  assert.ok(lbOnly[0]!.n >= 4, 'the sample has requests only HAProxy logged');
  // cut at 01:32:55, in the middle of the recording
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', stack, '--db', shards, '--window', '2026-12-05T01:32:00Z,2026-12-05T01:34:00Z', '--split', '55s', '--overlap', '60s', '--correlate', ...ingest]);
  const dataset = join(dir, 'dataset');
  const exported = await runCliCaptured(['export', '--db', shards, '--dataset', dataset]);
  assert.equal(exported.exitCode, 0, exported.stderr);
  assert.doesNotMatch(exported.stderr, /load-balancer/);
  const undated = (s: string) => s.replace(/generated[^\n]*/g, 'generated …');
  for (const format of ['text', 'markdown']) {
    assert.equal(undated(await cli(['report', '--dataset', dataset, '--format', format, '--tz', 'UTC'])), undated(await cli(['report', '--db', one, '--format', format, '--tz', 'UTC'])), format);
  }
  assert.deepEqual(reportJson(await cli(['report', '--dataset', dataset, '--format', 'json'])), reportJson(await cli(['report', '--db', one, '--format', 'json'])));
  const single = byLine((await cli(['requests', '--db', one, '--format', 'ndjson'])).trim().split('\n'));
  const sharded = await datasetByLine(dataset, single);
  assert.equal(sharded.size, single.size, 'every request once, the LB\'s own included');
  for (const [k, r] of single) assert.deepEqual(sharded.get(k), r, k);
});
