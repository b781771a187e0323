/**
 * `requests`, `trace` and `query` with --db DIR read every shard in it (src/lookup/shards.ts), each
 * for what it owns: a stack cut into 3 windows, with 30 s requests straddling the cuts, prints what
 * one database prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';
import { byLine } from './compare.js';

const INGEST = ['--tz', 'UTC', '--log-format', TIMING_FORMAT];

async function cli(argv: string[], expectExit = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await runCliCaptured(argv);
  assert.equal(r.exitCode, expectExit, `droptrace ${argv.join(' ')}\n${r.stderr}`);
  return r;
}

test('requests, trace and query --db DIR read all 3 shards, each request once, as one database prints them', async (t) => {
  const dir = tempDir(t);
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 3000, { seed: 5 });
  const one = join(dir, 'one.db');
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', stack!.dir, '--db', one, '--host', 'web-01', '--correlate', ...INGEST]);
  const run = await cli(['ingest', stack!.dir, '--db', shards, '--window', '2024-03-09T23:59:50Z,2024-03-10T00:00:20Z', '--split', '10s', '--overlap', '45s', '--correlate', ...INGEST]);
  assert.match(run.stdout, /3 shard\(s\)/);

  const singleLines = (await cli(['requests', '--db', one, '--format', 'ndjson'])).stdout.trim().split('\n');
  const shardLines = (await cli(['requests', '--db', shards, '--format', 'ndjson'])).stdout.trim().split('\n');
  const shardOf = shardLines.map((l) => (JSON.parse(l) as { shard: string }).shard);
  assert.deepEqual([...new Set(shardOf)], ['web-01~20240310T000000Z', 'web-01~20240310T000010Z'], 'both shards that own requests are read, in time order');
  const single = byLine(singleLines);
  const sharded = byLine(shardLines.map((l) => {
    const { shard: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(rest);
  }));
  assert.equal(sharded.size, single.size, 'every request once: none lost, none from two shards');
  assert.deepEqual([...sharded.keys()], [...single.keys()], 'in the order one database prints them');
  for (const [k, r] of single) assert.deepEqual(sharded.get(k), r, k);
  const timeouts = [...single.values()].filter((r) => r.verdict === 'worker_timeout');
  assert.ok(timeouts.length > 0, 'the corpus has 30 s requests, longer than a window');
  assert.equal((await cli(['requests', '--db', shards, '--verdict', 'worker_timeout', '--format', 'ndjson'])).stdout.trim().split('\n').length, timeouts.length);

  // trace: a request id found in the shard that owns it only (the next shard holds its line in the overlap)
  const late = [...single.values()].filter((r) => (r.end as string) >= '2024-03-10T00:00:10.5')[0]!;
  const traced = JSON.parse((await cli(['trace', late.request_id as string, '--db', shards, '--json'])).stdout) as { shard: string; verdict: string }[];
  assert.deepEqual(traced.map((x) => [x.shard, x.verdict]), [['web-01~20240310T000010Z', late.verdict]]);
  const many = await cli(['trace', '/api/orders', '--db', shards]);
  assert.match(many.stdout, /^shard web-01~20240310T000000Z: /m);
  assert.match(many.stderr, /requests match "\/api\/orders" in the shards; traced the first 10/);
  await cli(['trace', 'no-such-request-anywhere', '--db', shards], 1);

  // query: each shard's owned rows; the counts add up to one database's
  for (const table of ['request_verdicts', 'nginx_access', 'app_requests', 'server_log']) {
    const per = JSON.parse((await cli(['query', `SELECT count(*) AS n FROM ${table}`, '--db', shards, '--format', 'json'])).stdout) as { shard: string; n: number }[];
    assert.equal(per.length, 3, 'a row per shard');
    const whole = JSON.parse((await cli(['query', `SELECT count(*) AS n FROM ${table}`, '--db', one, '--format', 'json'])).stdout) as { n: number }[];
    assert.equal(per.reduce((n, r) => n + r.n, 0), whole[0]!.n, `${table}: each row in one shard only`);
  }
});
