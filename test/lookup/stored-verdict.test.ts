/**
 * The verdict column is text: a value this droptrace does not know (a database correlated by another
 * version) stops every reader with the value and the fix, instead of travelling on as a verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { readdirSync } from 'node:fs';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { openStore } from '../../src/store/open.js';
import { VERDICT_IDS, isVerdict, toVerdict } from '../../src/domain/verdicts.js';

test('toVerdict passes every verdict of the table and throws on any other value', () => {
  for (const v of VERDICT_IDS) assert.equal(toVerdict(v), v);
  for (const v of ['', 'OK', 'timeout', null, 3]) {
    assert.equal(isVerdict(v), false);
    assert.throws(() => toVerdict(v), /this droptrace does not know .*correlate --rebuild/);
  }
});

test('a stored verdict no version of the table has stops requests, trace and report with the value and the fix', async (t) => {
  const db = join(tempDir(t), 'v.db');
  const logs = join(repoRoot(), 'samples', 'combined', 'logs');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', '--correlate', ...readdirSync(logs).map((f) => relative(process.cwd(), join(logs, f)))]);
  assert.equal(r.exitCode, 0, r.stderr);
  const before = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(before.exitCode, 0, before.stderr);
  const store = openStore(db);
  const id = (store.prepare('SELECT min(access_id) AS id FROM request_verdicts').get() as { id: number }).id;
  store.prepare("UPDATE request_verdicts SET verdict = 'gremlins' WHERE access_id = ?").run(id);
  store.close();
  for (const argv of [['requests', '--db', db, '--format', 'ndjson'], ['trace', '--db', db, String(id)], ['report', '--db', db]]) {
    const after = await runCliCaptured(argv);
    assert.equal(after.exitCode, 1, `${argv[0]}: ${after.stderr}`);
    assert.match(after.stderr, /the verdict "gremlins", which this droptrace does not know .*droptrace correlate --rebuild/, argv[0]);
  }
});
