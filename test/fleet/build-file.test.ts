/**
 * A new shard's partial file (src/shard/build-file.ts): flushed to the disk while it is built, then
 * published whole under its name. The flusher must hand back its descriptor when stopped (even with
 * a flush in flight) and leave the bytes as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flushWhileBuilding, partialPath, publishPartial } from '../../src/shard/build-file.js';
import { tempDir } from '../helpers.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('the partial file is flushed while written, its descriptor closed when stopped, then published whole', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to count open descriptors');
  const db = join(tempDir(t), 'web-01.db');
  writeFileSync(partialPath(db), '');
  const before = openFds();
  const stop = flushWhileBuilding(db);
  assert.equal(openFds(), before + 1, 'the flusher holds one descriptor');
  const chunk = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < 12; i++) {
    appendFileSync(partialPath(db), chunk);
    await new Promise((res) => setTimeout(res, 100)); // past a flush tick, with writes between
  }
  await stop();
  assert.equal(openFds(), before, 'the descriptor is closed');
  publishPartial(db);
  assert.equal(existsSync(partialPath(db)), false);
  const bytes = readFileSync(db);
  assert.equal(bytes.length, 12 << 20);
  assert.ok(bytes.every((b) => b === 7));
});
