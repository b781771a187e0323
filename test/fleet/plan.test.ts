/** Which shards a run has: stacks from directories or a manifest, windows cut by --split, and the usage errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { planShards, splitWindow, stacksFromDirectories, stacksFromManifest, windowTag } from '../../src/shard/plan.js';
import { planFromFlags } from '../../src/cli/shard-options.js';

test('each directory is one stack named after it; a manifest maps paths to stacks relative to itself', (t) => {
  const dir = tempDir(t);
  for (const d of ['web-01', 'web-02']) mkdirSync(join(dir, d));
  assert.deepEqual(stacksFromDirectories([join(dir, 'web-01'), join(dir, 'web-02') + '/']).map((s) => s.name), ['web-01', 'web-02']);
  writeFileSync(join(dir, 'fleet.txt'), '# stack path\nweb-07 web-01/access.log\nweb-07  web-01/error.log\n\nweb-08 /var/log/x.log\n');
  assert.deepEqual(stacksFromManifest(join(dir, 'fleet.txt')), [
    { name: 'web-07', paths: [join(dir, 'web-01/access.log'), join(dir, 'web-01/error.log')] },
    { name: 'web-08', paths: ['/var/log/x.log'] },
  ]);
  writeFileSync(join(dir, 'bad.txt'), 'web/07 x.log\n');
  assert.throws(() => stacksFromManifest(join(dir, 'bad.txt')), /bad\.txt:1: stack name "web\/07"/);
  writeFileSync(join(dir, 'f.log'), '');
  assert.throws(() => stacksFromDirectories([join(dir, 'f.log')]), /is not a directory: .*--manifest/);
});

test('a window is cut into --split pieces (the last shorter), each a shard keyed by its start', () => {
  const from = Date.UTC(2026, 11, 4);
  const ws = splitWindow(from, from + 150 * 60_000, 3_600_000, 60_000);
  assert.deepEqual(ws.map((w) => (w.toMs - w.fromMs) / 60_000), [60, 60, 30]);
  assert.equal(windowTag(from + 20_000), '20261204T000020Z');
  const shards = planShards([{ name: 'web-07', paths: ['/l'] }], ws, '/db');
  assert.deepEqual(shards.map((s) => s.db), ['/db/web-07~20261204T000000Z.db', '/db/web-07~20261204T010000Z.db', '/db/web-07~20261204T020000Z.db']);
  assert.equal(planShards([{ name: 'web-07', paths: ['/l'] }], null, '/db')[0]!.key, 'web-07');
});

test('sharding flags that cannot work are usage errors that say what to write', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'web-01'));
  const db = join(dir, 'shards') + '/';
  await assert.rejects(() => planFromFlags([join(dir, 'web-01')], { db, split: '1h' }), /--split cuts a --window/);
  await assert.rejects(() => planFromFlags([join(dir, 'web-01')], { db, window: '2026-12-04T00:00Z' }), /--window: write FROM,TO/);
  await assert.rejects(() => planFromFlags(['-'], { db }), /stdin \(-\) cannot be sharded/);
  await assert.rejects(() => planFromFlags([], { db: join(dir, 'x.db'), manifest: join(dir, 'm') }), /--db must be a directory/);
  const planned = await planFromFlags([join(dir, 'web-01')], { db, window: '2026-12-04T00:00Z,2026-12-04T02:00Z', split: '1h', overlap: '90s' });
  assert.deepEqual(planned.shards.map((s) => [s.key, s.window?.overlapMs]), [['web-01~20261204T000000Z', 90_000], ['web-01~20261204T010000Z', 90_000]]);
  assert.equal(planned.overlap?.why, '--overlap');
  await assert.rejects(() => planFromFlags([join(dir, 'web-01')], { db, overlap: '90s' }), /--overlap widens a --window/);
});
