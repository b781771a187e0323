/**
 * The Python layouts a user declares (--gunicorn-access-format, --app-log-format) reach every shard
 * process: a sharded ingest reads the recorded gunicorn 20.1 stream with a non-default
 * access_log_format as one database does, not as rejects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { openStore } from '../../src/store/open.js';

const RECORDED = join(repoRoot(), 'test', 'fixtures', 'gunicorn-recorded', 'sync-access-logformat-atoms.log');
const ATOMS = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %(L)s %(M)s %(T)s %(p)s %({x-request-id}i)s %({content-type}o)s';

/** The access records as read (which pattern, the elapsed time only the declared format names), and the rejects. */
function readBack(db: string): { access: unknown[]; rejects: number } {
  const store = openStore(db);
  try {
    const access = store.prepare("SELECT line_no, pattern, elapsed_ms FROM app_requests WHERE kind = 'access' ORDER BY line_no").all();
    const rejects = (store.prepare('SELECT count(*) AS n FROM rejects').get() as { n: number }).n;
    return { access, rejects };
  } finally {
    store.close();
  }
}

test('--gunicorn-access-format reaches the shard processes: the shard reads what one database reads', async (t) => {
  const dir = tempDir(t);
  const stack = join(dir, 'web-01');
  mkdirSync(stack);
  copyFileSync(RECORDED, join(stack, 'gunicorn.log'));
  const flags = ['--tz', 'UTC', '--gunicorn-access-format', ATOMS];
  const one = join(dir, 'one.db');
  const single = await runCliCaptured(['ingest', '--db', one, ...flags, join(stack, 'gunicorn.log')]);
  assert.equal(single.exitCode, 0, single.stderr);
  const shards = join(dir, 'shards') + '/';
  const sharded = await runCliCaptured(['ingest', '--db', shards, ...flags, stack]);
  assert.equal(sharded.exitCode, 0, sharded.stderr);
  assert.match(sharded.stderr, /note: .*--gunicorn-access-format/, 'the shard run says which format it was given');
  const expected = readBack(one);
  assert.ok(expected.access.length > 0, 'the recorded stream has access lines');
  for (const row of expected.access) assert.equal((row as { pattern: string }).pattern, 'access_log_format', 'one database reads them with the declared format');
  assert.deepEqual(readBack(join(dir, 'shards', 'web-01.db')), expected);
});
