/**
 * Two droptrace processes at once on one database: one writer at a time, decided by SQLite
 * (store/write-lock.ts). The same content ingested by three processes at once is stored once; four
 * first runs on a new database all succeed, and one that stored nothing never deletes the database
 * another is writing; a writer that finds the lock held waits up to --wait,
 * then refuses; readers see whole correlations only; two nightly reports never cover the same
 * requests.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateStack, runDroptrace, type Stack } from './stack.js';
import { combinedLines } from '../helpers.js';
import { openStore, removeEmptyStore } from '../../src/store/open.js';

const LINES = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'droptrace-chaos-concurrent-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let stack: Stack;
let correlated: string;

before(async () => {
  stack = await generateStack(join(dir, 'logs'), LINES, 41);
  correlated = join(dir, 'correlated.db');
  const r = await runDroptrace([...stack.ingestArgs, '--db', correlated, '--correlate']);
  assert.equal(r.code, 0, r.stderr);
});

const count = (db: string, sql: string): number => {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare(sql).get() as { n: number }).n;
  } finally {
    d.close();
  }
};

test('three ingests of the same file at once store each line once', async () => {
  const db = join(dir, 'same.db');
  const runs = await Promise.all([1, 2, 3].map(() => runDroptrace([...stack.ingestArgs.slice(0, 5), stack.corpus.timing, '--db', db])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal(count(db, 'SELECT count(*) AS n FROM nginx_access'), LINES);
  assert.equal(count(db, 'SELECT count(DISTINCT line_no) AS n FROM nginx_access'), LINES);
  const again = await runDroptrace([...stack.ingestArgs.slice(0, 5), stack.corpus.timing, '--db', db, '--json']);
  assert.equal((JSON.parse(again.stdout) as { files: { skipped: number }[] }).files[0]!.skipped, LINES);
});

test('small files ingested three at a time, six times over, are never doubled', async () => {
  const file = join(dir, 'small.log');
  writeFileSync(file, combinedLines(50).join('\n') + '\n');
  for (let i = 0; i < 6; i++) {
    const db = join(dir, `small-${i}.db`);
    const runs = await Promise.all([1, 2, 3].map(() => runDroptrace(['ingest', '--db', db, file])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.equal(count(db, 'SELECT count(*) AS n FROM nginx_access'), 50, `try ${i}`);
  }
});

test('four first runs on a new database all succeed: the schema is made once', async () => {
  const db = join(dir, 'first.db');
  const files = stack.files;
  const runs = await Promise.all(files.map((f) => runDroptrace(['ingest', '--tz', 'UTC', '--log-format', stack.ingestArgs[4]!, '--db', db, f])));
  for (const r of runs) {
    assert.doesNotMatch(r.stderr, /already exists/);
    assert.equal(r.code, 0, r.stderr);
  }
  const total = stack.corpus.counts.timing + stack.corpus.counts.error + stack.corpus.counts.gunicorn + stack.corpus.counts.app;
  const d = new Database(db, { readonly: true });
  const stored = (d.prepare('SELECT sum(lines_done) AS n FROM files').get() as { n: number }).n;
  d.close();
  assert.equal(stored, total);
});

test('a first run that stored nothing does not delete the new database another first run is writing', () => {
  // Two first runs on one new path: one read no file and removes the store it created, while the
  // other is inside its first batch. Deleting the files then sent that batch to an unlinked inode.
  const db = join(dir, 'two-first-runs.db');
  const other = openStore(db);
  other.exec('BEGIN IMMEDIATE');
  other.prepare("INSERT INTO files (path, type, head_hash, head_len, first_ingested_ms, last_ingested_ms) VALUES ('access.log', 'nginx-access', 'h', 1, 0, 0)").run();
  removeEmptyStore(db);
  other.exec('COMMIT');
  other.close();
  assert.equal(count(db, 'SELECT count(*) AS n FROM files'), 1, "the other run's batch is in the database at its path");
  // alone, the empty store it created is removed as before
  const alone = join(dir, 'alone-first-run.db');
  openStore(alone).close();
  removeEmptyStore(alone);
  assert.equal(existsSync(alone), false);
});

test('a writer finding the lock held refuses with --wait 0, and waits with --wait', async () => {
  const db = join(dir, 'locked.db');
  copyFileSync(correlated, db);
  const holder = new Database(db);
  holder.exec('BEGIN IMMEDIATE');
  const refused = await runDroptrace(['correlate', '--rebuild', '--db', db, '--wait', '0']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /locked\.db is being written by another droptrace process .*nothing was written.*--wait/);
  const waiting = runDroptrace(['correlate', '--rebuild', '--db', db, '--wait', '30s']);
  setTimeout(() => { holder.exec('COMMIT'); holder.close(); }, 1_500);
  const r = await waiting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /waiting up to 30s/);
  assert.match(r.stdout, new RegExp(`${LINES} requests correlated`));
});

test('a report beside a rebuild prints whole totals, never partial ones', async () => {
  const db = join(dir, 'beside.db');
  copyFileSync(correlated, db);
  for (let i = 0; i < 3; i++) {
    const rebuild = runDroptrace(['correlate', '--rebuild', '--db', db]);
    const reports = await Promise.all([0, 300, 700].map((delay) => new Promise<Awaited<ReturnType<typeof runDroptrace>>>((resolve) => {
      setTimeout(() => void runDroptrace(['report', '--db', db, '--format', 'json']).then(resolve), delay);
    })));
    assert.equal((await rebuild).code, 0);
    for (const r of reports) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { totals: { requests: number } }).totals.requests, LINES);
    }
  }
});

test('two --since-last reports at once cover each request once', async () => {
  const db = join(dir, 'marks.db');
  copyFileSync(correlated, db);
  const runs = await Promise.all([1, 2].map(() => runDroptrace(['report', '--since-last', '--db', db, '--format', 'json'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const covered = runs.map((r) => (JSON.parse(r.stdout) as { totals: { requests: number } }).totals.requests).sort((a, b) => a - b);
  assert.deepEqual(covered, [0, LINES]);
  assert.equal(count(db, 'SELECT sum(requests) AS n FROM report_marks'), LINES);
});
