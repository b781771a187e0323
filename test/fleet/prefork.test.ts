/**
 * The shard processes main.ts starts before the CLI has parsed its arguments (src/shard/prefork.ts):
 * only for a line that is plainly a sharded ingest, as many as --jobs (at most the cores), and a
 * wrong guess never keeps the CLI running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preforkCount } from '../../src/shard/prefork.js';
import { tempDir } from '../helpers.js';

const cores = availableParallelism();

test('a sharded ingest or analyze line prestarts --jobs processes (at most the cores); any other line none', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'shards'));
  assert.equal(preforkCount(['ingest', 'a', 'b', '--db', 'out/']), cores);
  assert.equal(preforkCount(['analyze', 'a', '--db', join(dir, 'shards'), '--jobs', '1']), 1);
  assert.equal(preforkCount(['ingest', '--manifest', 'm.txt', '--db=out/', '--jobs=64']), cores);
  assert.equal(preforkCount(['ingest', 'a', '--db', 'x.db']), 0, 'one database file');
  assert.equal(preforkCount(['ingest', 'a']), 0, 'the default --db is a file');
  assert.equal(preforkCount(['report', '--db', 'out/']), 0, 'not an ingest');
  assert.equal(preforkCount(['ingest', '--db', 'out/', '--help']), 0, 'help');
  assert.equal(preforkCount(['ingest', '--db', 'out/', '--jobs', 'two']), 0, 'a --jobs the CLI will refuse');
  assert.equal(preforkCount(['ingest', '--', '--db', 'out/']), 0, 'after --, a path');
});

test('a line that prestarted shard processes and then failed to parse exits at once, leaving none behind', async (t) => {
  if (!existsSync('/proc/self/environ')) return t.skip('needs /proc to find the processes by their environment');
  const dir = tempDir(t);
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const mark = `prefork-${process.pid}-${Date.now()}`;
  const r = spawnSync(process.execPath, [cli, 'ingest', join(dir, 'web-01'), '--db', join(dir, 'shards') + '/', '--no-such-flag'],
    { encoding: 'utf8', timeout: 30_000, env: { ...process.env, DROPTRACE_TEST_MARK: mark } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown option '--no-such-flag'/);
  const marked = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/environ`, 'latin1').includes(`DROPTRACE_TEST_MARK=${mark}`); } catch { return false; }
  });
  // the children are killed as the CLI exits: give them a moment to be gone
  for (let i = 0; i < 40 && marked().length > 0; i++) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(marked(), [], 'a shard process outlived its CLI');
});
