/**
 * The audited chain over shards (issue 18): `analyze --db DIR/ --nginx-conf … --cmd …` saves the
 * chain snapshot into every shard it runs, export carries it (table=chain), and the fleet report —
 * over the directory and over the dataset — cites it as one database's analyze does: the same
 * recommendations (citing the configs' file:line) and chain model, the snapshot counted once. The
 * same through `audit --db DIR/` after a sharded ingest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { queryDataset } from '../../src/fleet/dataset.js';

const root = repoRoot();
const NGINX_CONF = join(root, 'samples/timing/conf/nginx.conf');
const GUNICORN_CMD = join(root, 'samples/timing/conf/gunicorn.cmd');
/** how the logs are read (nginx.conf names the timing log_format) */
const READING = ['--log-format-name', 'timing', '--nginx-conf', NGINX_CONF, '--tz', 'UTC'];
/** the configs audited */
const AUDITED = ['--nginx-conf', NGINX_CONF, '--cmd', GUNICORN_CMD];
const CONFIGS = [...READING, '--cmd', GUNICORN_CMD];

async function cli(argv: string[]): Promise<string> {
  const r = await runCliCaptured(argv);
  assert.equal(r.exitCode, 0, `droptrace ${argv.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** A report with the times that differ between two runs (the snapshot's, the report's) named, not given. */
function normalized(report: string, format: 'json' | 'text'): string {
  const taken = /snapshot of (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(report)?.[1];
  assert.ok(taken !== undefined, `the report names its audited snapshot:\n${report.slice(0, 2000)}`);
  const out = report.split(taken).join('<snapshot time>');
  if (format === 'text') return out;
  const j = JSON.parse(out) as Record<string, unknown>;
  delete j.generated_at;
  return JSON.stringify(j, null, 1);
}

test('a sharded analyze with --nginx-conf and --cmd gives the advice of one database, over --db DIR and over its dataset', async (t) => {
  const dir = tempDir(t);
  const logs = join(root, 'samples/timing/logs');
  const one = join(dir, 'one.db');
  const shards = join(dir, 'shards') + '/';
  const single = await cli(['analyze', logs, '--db', one, ...CONFIGS, '--format', 'json']);
  // four 30 s windows: each shard takes the snapshot, the fleet report must keep it once
  const sharded = await cli(['analyze', logs, '--db', shards, ...CONFIGS, '--window', '2026-11-25T21:49:00Z,2026-11-25T21:51:00Z', '--split', '30s', '--format', 'json']);

  const model = JSON.parse(single) as { chain_model: { origin: string }; chain: { snapshots: number }; recommendations: unknown[] };
  assert.equal(model.chain_model.origin, 'audit');
  assert.equal(model.chain.snapshots, 1);
  const advice = JSON.stringify(model.recommendations);
  assert.ok(advice.includes('gunicorn.cmd:') && advice.includes('nginx.conf:'), 'the advice cites the audited configs\' lines');
  assert.equal(normalized(sharded, 'json'), normalized(single, 'json'));

  const dataset = join(dir, 'dataset');
  await cli(['export', '--db', shards, '--dataset', dataset]);
  const perShard = await queryDataset(dataset, 'SELECT shard, count(DISTINCT snapshot_id) AS snapshots, count(*) AS settings FROM chain GROUP BY shard ORDER BY shard');
  assert.equal(perShard.rows.length, 4, 'every shard the run wrote keeps the chain');
  assert.equal(new Set(perShard.rows.map((r) => `${r.snapshots}/${r.settings}`)).size, 1, 'the same snapshot in each');

  const text = normalized(await cli(['report', '--db', one]), 'text');
  assert.equal(normalized(await cli(['report', '--db', shards]), 'text'), text);
  assert.equal(normalized(await cli(['report', '--dataset', dataset]), 'text'), text);
  assert.equal(normalized(await cli(['report', '--dataset', dataset, '--format', 'json']), 'json'), normalized(await cli(['report', '--db', one, '--format', 'json']), 'json'));
});

test('audit --db DIR/ saves the chain into every shard: the fleet report then gives the advice one database with the same audit gives', async (t) => {
  const dir = tempDir(t);
  const logs = join(root, 'samples/timing/logs');
  const one = join(dir, 'one.db');
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', logs, '--db', one, ...READING, '--correlate']);
  await cli(['ingest', logs, '--db', shards, ...READING, '--window', '2026-11-25T21:49:00Z,2026-11-25T21:51:00Z', '--split', '30s', '--correlate']);
  const before = await cli(['report', '--db', shards]);
  for (const db of [one, shards]) await cli(['audit', ...AUDITED, '--db', db, '--at', '2026-11-25T21:00:00Z']);

  const text = await cli(['report', '--db', one]);
  assert.match(text, /gunicorn\.cmd:\d/, 'one database\'s advice cites the audited command line');
  assert.notEqual(before, text, 'before the audit the shards\' report read the logs only');
  assert.equal(await cli(['report', '--db', shards]), text);

  const refused = await runCliCaptured(['audit', ...AUDITED, '--db', shards, '--baseline', 'db:latest']);
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /--baseline db:latest reads one database's snapshot, and .* is a directory of shards/);
});
