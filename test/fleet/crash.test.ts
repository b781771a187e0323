/**
 * A worker killed mid-shard (issue 18): `droptrace export` SIGKILLed while it writes a shard leaves
 * the dataset as it was — the shard's previous files whole, none of its new ones — and running the
 * export again completes it, and removes the DuckDB scratch directory the killed one left under
 * TMPDIR, while that of an export running beside it stays.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';
import { queryDataset } from '../../src/fleet/dataset.js';

const CLI = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

/** Every file under dir, relative. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** The droptrace scratch directories under a TMPDIR. */
const scratchDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('droptrace-')).sort();

/** An export of its own (another dataset) with TMPDIR `tmp`, stopped (SIGSTOP) once its DuckDB scratch directory exists: alive, mid-way. */
async function stoppedExport(t: TestContext, shards: string, dataset: string, tmp: string): Promise<{ dir: string; resume: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'export', '--db', shards, '--dataset', dataset], { stdio: 'ignore', env: { ...process.env, TMPDIR: tmp } });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  // a failed assertion must not leave it stopped (the test run would wait for it forever)
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  const mine = `-${child.pid}-`;
  for (;;) {
    const dir = scratchDirs(tmp).find((n) => n.startsWith('droptrace-duckdb-') && n.includes(mine));
    if (dir !== undefined) {
      child.kill('SIGSTOP');
      return { dir, resume: () => (child.kill('SIGCONT'), exited) };
    }
    assert.equal(child.exitCode, null, 'the export beside was caught running');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const count = async (dataset: string) => Number((await queryDataset(dataset, 'SELECT count(*) AS n FROM requests')).rows[0]!.n);

test('an export killed while writing a shard leaves that shard\'s previous files whole and none of its new ones; a re-run completes it', async (t) => {
  const dir = tempDir(t);
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 12_000, { seed: 5 });
  const shards = join(dir, 'shards') + '/';
  const dataset = join(dir, 'dataset');
  const ingest = ['ingest', stack!.dir, '--db', shards, '--tz', 'UTC', '--log-format', TIMING_FORMAT, '--correlate'];
  assert.equal((await runCliCaptured(ingest)).exitCode, 0);
  assert.equal((await runCliCaptured(['export', '--db', shards, '--dataset', dataset])).exitCode, 0);
  const before = walk(dataset).filter((f) => f.endsWith('.parquet'));
  assert.equal(await count(dataset), 12_000);

  // more requests for the shard (a late file), then an export killed once it has begun writing them
  const late = readFileSync(join(stack!.dir, 'access-timing.log'), 'utf8').split('\n').slice(100, 3100); // not from the top: the same first 4 KiB would be known content
  writeFileSync(join(stack!.dir, 'access-late.log'), late.join('\n') + '\n');
  assert.equal((await runCliCaptured(ingest)).exitCode, 0);
  // its DuckDB scratch directory (under TMPDIR) outlives a kill: kept in the test's own directory
  const scratch = join(dir, 'tmp');
  mkdirSync(scratch);
  const child = spawn(process.execPath, [CLI, 'export', '--db', shards, '--dataset', dataset], { stdio: 'ignore', env: { ...process.env, TMPDIR: scratch } });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
  let killedMidway = false;
  while (child.exitCode === null) {
    const temp = readdirSync(dataset).find((n) => n.startsWith('.tmp-web-01-'));
    if (temp !== undefined && walk(join(dataset, temp)).some((f) => f.startsWith('table=requests/'))) {
      child.kill('SIGKILL');
      killedMidway = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(await exited, killedMidway ? 'SIGKILL' : null);
  assert.ok(killedMidway, 'the export was caught while writing the shard');

  const after = walk(dataset);
  assert.deepEqual(after.filter((f) => f.endsWith('.parquet') && !f.startsWith('.tmp-')), before, 'the published files are the previous export\'s');
  assert.equal(await count(dataset), 12_000, 'readers see the previous export, whole');

  const left = scratchDirs(scratch);
  assert.equal(left.length, 1, 'the killed export left its DuckDB scratch directory');
  assert.ok(left[0]!.startsWith('droptrace-duckdb-') && left[0]!.includes(`-${child.pid}-`), left[0]);
  const beside = await stoppedExport(t, shards, join(dir, 'dataset-beside'), scratch);

  const rerun = spawnSync(process.execPath, [CLI, 'export', '--db', shards, '--dataset', dataset], { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch } });
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.equal(await count(dataset), 15_000);
  assert.deepEqual(walk(dataset).filter((f) => f.startsWith('.tmp-')), [], 'the killed export\'s temp files are gone');
  assert.deepEqual(scratchDirs(scratch), [beside.dir], 'the killed export\'s scratch directory is gone, the live one\'s stays');

  assert.equal(await beside.resume(), 0, 'the export beside completes');
  assert.deepEqual(scratchDirs(scratch), [], 'and removes its own');
});
