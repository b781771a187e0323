/**
 * kill -9 in the middle of an ingest: the next run must complete it exactly (no duplicate, no lost
 * row). Runs the real CLI in a child process and kills it once a batch has been committed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { combinedLines, repoRoot, tempDir } from '../helpers.js';

const N = 300_000;

async function writeBig(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < N; i += 10_000) {
    const chunk = combinedLines(10_000, 1_700_000_000 + i).join('\n') + '\n';
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

function ingest(db: string, log: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [join(repoRoot(), 'dist/src/cli/main.js'), 'ingest', '--db', db, '--tz', 'UTC', log], { stdio: 'ignore' });
}

function committedBytes(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const r = d.prepare('SELECT bytes_done FROM files').get() as { bytes_done: number } | undefined;
      return r?.bytes_done ?? 0;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

test('kill_9_mid_ingest_then_rerun_stores_every_line_once', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const db = join(dir, 'd.db');
  await writeBig(log);
  const child = ingest(db, log);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let killed = false;
  for (let i = 0; i < 2_000; i++) {
    await new Promise((r) => setTimeout(r, 10));
    if (committedBytes(db) > 0) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
  }
  await exited;
  if (!killed) t.diagnostic('the ingest finished before it could be killed; the rerun still must not duplicate');
  const partial = committedBytes(db);
  const rerun = ingest(db, log);
  const code = await new Promise<number | null>((r) => rerun.on('exit', (c) => r(c)));
  assert.equal(code, 0);
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT count(*) AS n, count(DISTINCT line_no) AS lines, max(line_no) AS last FROM nginx_access').get();
  d.close();
  assert.deepEqual(rows, { n: N, lines: N, last: N });
  t.diagnostic(`killed after ${partial} committed bytes; the rerun completed the rest`);
});
