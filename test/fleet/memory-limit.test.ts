/**
 * `--memory-limit` (DuckDB's memory_limit) on export, report and query over a dataset: it reaches
 * DuckDB, the floor it accepts still writes and reads a dataset whole (the same rows and report as the
 * default's), and what it refuses is a usage error before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';
import { queryDataset } from '../../src/fleet/dataset.js';

async function cli(argv: string[], expectExit = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await runCliCaptured(argv);
  assert.equal(r.exitCode, expectExit, `droptrace ${argv.join(' ')}\n${r.stderr}`);
  return r;
}

const rows = async (dataset: string, table: string) =>
  (await queryDataset(dataset, `SELECT * FROM ${table} ORDER BY ALL`)).rows;

test('--memory-limit reaches DuckDB, and at its floor (64MiB) export and report --dataset give what the default gives', async (t) => {
  const dir = tempDir(t);
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 6000, { seed: 9 });
  const shards = join(dir, 'shards') + '/';
  await cli(['ingest', stack!.dir, '--db', shards, '--tz', 'UTC', '--log-format', TIMING_FORMAT, '--correlate']);
  const byDefault = join(dir, 'default');
  const small = join(dir, 'small');
  await cli(['export', '--db', shards, '--dataset', byDefault]);
  await cli(['export', '--db', shards, '--dataset', small, '--memory-limit', '64MiB']);
  for (const table of ['requests', 'incidents']) assert.deepEqual(await rows(small, table), await rows(byDefault, table), table);
  assert.equal((await rows(small, 'requests')).length, 6000);

  const report = (await cli(['report', '--dataset', byDefault])).stdout;
  assert.equal((await cli(['report', '--dataset', small, '--memory-limit', '64MiB'])).stdout, report);
  assert.equal((await cli(['report', '--db', shards, '--memory-limit', '64MiB'])).stdout, report);

  const setting = async (extra: string[]) => JSON.parse((await cli(['query', '--dataset', small, '--format', 'json', ...extra, "SELECT current_setting('memory_limit') AS m"])).stdout)[0].m;
  assert.equal(await setting([]), '244.1 MiB', 'the default, 256MB');
  assert.equal(await setting(['--memory-limit', '2GB']), '1.8 GiB');
  assert.equal(await setting(['--memory-limit', '512MiB']), '512.0 MiB');
});

test('DuckDB out of memory is an error (exit 1) that names --memory-limit, not DuckDB\'s SET advice', async (t) => {
  const empty = tempDir(t); // a dataset with no files yet: its tables are empty views
  // one aggregate state of ~100 MB (and its growing buffer), which DuckDB cannot spill
  const sql = "SELECT length(string_agg(repeat('a', 1000), ',')) AS n FROM range(100000)";
  const r = await runCliCaptured(['query', '--dataset', empty, '--memory-limit', '64MiB', sql]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /^error: Out of Memory Error: .*: DuckDB reached its memory limit in a step that cannot spill to TMPDIR; run the command again with a larger --memory-limit \(default 256MB\), e\.g\. --memory-limit 1GB\n$/);
  assert.doesNotMatch(r.stderr, /SET memory_limit/);
  assert.equal((await runCliCaptured(['query', '--dataset', empty, '--memory-limit', '1GB', sql, '--format', 'csv'])).stdout, 'n\n100099999\n', 'the fix it names works');
});

test('--memory-limit refuses a size without a unit, one below 64MiB, and a run that starts no DuckDB, as usage errors', async (t) => {
  const dir = tempDir(t);
  const dataset = join(dir, 'nowhere');
  assert.match((await cli(['export', '--db', join(dir, 'x.db'), '--dataset', dataset, '--memory-limit', '512'], 2)).stderr, /--memory-limit "512": give a size with its unit, e\.g\. 512MB/);
  assert.match((await cli(['query', '--dataset', dataset, '--memory-limit', 'lots', 'SELECT 1'], 2)).stderr, /--memory-limit "lots": give a size with its unit/);
  assert.match((await cli(['report', '--dataset', dataset, '--memory-limit', '16MB'], 2)).stderr, /--memory-limit 16MB: DuckDB needs at least 64MiB/);
  // one database: report and query read SQLite only
  assert.match((await cli(['report', '--db', join(dir, 'one.db'), '--memory-limit', '1GB'], 2)).stderr, /--memory-limit bounds DuckDB, which only runs with --dataset DIR or a --db directory/);
  assert.match((await cli(['query', '--db', join(dir, 'one.db'), '--memory-limit', '1GB', 'SELECT 1'], 2)).stderr, /--memory-limit bounds DuckDB/);
  assert.match((await cli(['analyze', join(dir, 'none.log'), '--db', join(dir, 'one.db'), '--memory-limit', '1GB'], 2)).stderr, /--memory-limit bounds DuckDB/);
});
