/**
 * `droptrace analyze` is one flow over one open store: the ingest, its correlation, the audit's
 * snapshot, the report and its --since-last mark all go through one `openStore` (no second open to
 * look for pending rows, none for the audit, none for the report). The correlation's sweep reads
 * on a second, read-only connection of its own (openReader): that one is not a store opened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';

type Method = (this: object, ...args: unknown[]) => unknown;

test('analyze with an audit and --since-last opens the store once, from ingest to report', async (t) => {
  const db = join(tempDir(t), 'a.db');
  const root = repoRoot();
  // Every connection runs SQL through one of these; openStore runs its first (the pragmas, the
  // schema check) before it returns. Count the connections whose first SQL ran inside openStore.
  const seen = new Set<object>();
  let opened = 0;
  const proto = Database.prototype as unknown as Record<string, Method>;
  for (const name of ['prepare', 'exec', 'pragma']) {
    const original = proto[name]!;
    proto[name] = function (this: object, ...args: unknown[]) {
      if (!seen.has(this)) {
        seen.add(this);
        if (/\bat openStore \(/.test(new Error().stack ?? '')) opened++;
      }
      return original.apply(this, args);
    };
    t.after(() => { proto[name] = original; });
  }
  const r = await runCliCaptured(['analyze', '--db', db, join(root, 'samples/timing/logs'), '--log-format-name', 'timing',
    '--nginx-conf', join(root, 'samples/timing/conf/nginx.conf'), '--cmd', join(root, 'samples/timing/conf/gunicorn.cmd'),
    '--tz', 'UTC', '--format', 'json', '--since-last']);
  const used = opened;
  assert.equal(r.exitCode, 0, r.stderr);
  const model = JSON.parse(r.stdout) as { totals: { requests: number }; chain: { snapshots: number } };
  assert.ok(model.totals.requests > 0, 'the report covers the ingested requests');
  assert.equal(model.chain.snapshots, 1, 'the audit saved its snapshot before the report read it');
  assert.equal(used, 1, `analyze opened ${db} ${used} times`);

  // The mark was left in the same run: a --since-last report after it has nothing new to cover.
  const again = await runCliCaptured(['report', '--db', db, '--format', 'json', '--since-last']);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { totals: { requests: number } }).totals.requests, 0);
});
