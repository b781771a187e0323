/**
 * A shard worker killed mid-ingest (issue 18): a new shard is built under a partial name and renamed
 * into place whole (src/shard/build-file.ts), so a SIGKILL leaves no shard database at all — never
 * half of one that the next run would resume from a checkpoint written without syncs — and running
 * the ingest again builds it whole and removes the dead worker's partial file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';

const CLI = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

const lineCount = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;

test('a shard worker killed mid-ingest leaves no shard database; the next run builds it whole and clears the partial file', async (t) => {
  const dir = tempDir(t);
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 60_000, { seed: 11 });
  const shards = join(dir, 'shards') + '/';
  const args = [CLI, 'ingest', stack!.dir, '--db', shards, '--jobs', '1', '--tz', 'UTC', '--log-format', TIMING_FORMAT];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let killed: string | null = null;
  while (child.exitCode === null && killed === null) {
    const partial = existsSync(shards) ? readdirSync(shards).find((n) => /^web-01\.db\.partial-.*-\d+$/.test(n)) : undefined;
    // past the first committed batch: rows are on disk under the partial name
    if (partial !== undefined && statSync(join(shards, partial)).size > 4 * 1024 * 1024) {
      process.kill(Number(/-(\d+)$/.exec(partial)![1]), 'SIGKILL');
      killed = partial;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(killed !== null, 'the shard worker was caught while writing its partial file');
  assert.equal(await exited, 1, 'a failed shard makes the run fail');
  assert.match(stderr, /shard web-01 failed: its process ended \(SIGKILL\)/);
  assert.equal(existsSync(join(shards, 'web-01.db')), false, 'no shard database after the kill');
  assert.equal(existsSync(join(shards, 'web-01.shard.json')), false, 'no shard record after the kill');
  assert.ok(existsSync(join(shards, killed)), 'the killed worker\'s partial file is left behind');

  const rerun = await runCliCaptured(args.slice(1));
  assert.equal(rerun.exitCode, 0, rerun.stderr);
  assert.deepEqual(readdirSync(shards).sort(), ['web-01.db', 'web-01.shard.json'], 'the partial file is gone, the shard is in place');
  const db = new Database(join(shards, 'web-01.db'), { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    assert.equal(n('nginx_access'), lineCount(join(stack!.dir, 'access-timing.log')), 'every access line, once');
    assert.equal(n('app_requests'), lineCount(join(stack!.dir, 'app.ndjson')), 'every app line, once');
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'the published shard is an ordinary WAL database');
  } finally {
    db.close();
  }
});
