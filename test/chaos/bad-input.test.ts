/**
 * Bad files and bad places: a truncated or corrupt .gz keeps what it could read and is named with
 * its reason while the other files are ingested; a FIFO is read as a stream; `report --out` never
 * writes over an input; a read-only database with uncorrelated rows is an error, not "0 requests".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync, constants as zc } from 'node:zlib';
import Database from 'better-sqlite3';
import { combinedLines, tempDir } from '../helpers.js';
import { CLI, runDroptrace } from './stack.js';

const rows = (db: string, sql = 'SELECT count(*) AS n FROM nginx_access'): number => {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare(sql).get() as { n: number }).n;
  } finally {
    d.close();
  }
};

/** Complete lines zcat recovers from damaged gzip data (Z_SYNC_FLUSH: keep what decoded before the error). */
function zcatLines(gz: Buffer): number {
  let out: Buffer;
  try {
    out = gunzipSync(gz, { finishFlush: zc.Z_SYNC_FLUSH });
  } catch {
    return -1;
  }
  return out.toString('utf8').split('\n').length - 1;
}

function gzFile(dir: string, n: number): { path: string; gz: Buffer } {
  const gz = gzipSync(Buffer.from(combinedLines(n, 1_700_000_000, '/api/gz').join('\n') + '\n'));
  return { path: join(dir, 'access.log.2.gz'), gz };
}

test('a truncated .gz keeps its readable lines, is named with its reason, and the next file is still ingested', async (t) => {
  const dir = tempDir(t);
  const { path, gz } = gzFile(dir, 20_000);
  const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
  writeFileSync(path, cut);
  const good = join(dir, 'access.log');
  writeFileSync(good, combinedLines(300, 1_800_000_000).join('\n') + '\n');
  const db = join(dir, 'd.db');
  const r = await runDroptrace(['ingest', '--db', db, '--json', path, good]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /access\.log\.2\.gz: truncated gzip data \(unexpected end of file\).*content after byte \d+ is missing/);
  const summary = JSON.parse(r.stdout) as { files: { path: string; records: number; error: string | null }[] };
  const damaged = summary.files.find((f) => f.path === path)!;
  assert.match(damaged.error!, /truncated gzip/);
  const recovered = zcatLines(cut);
  assert.ok(recovered > 5_000, `zcat recovers ${recovered} lines`);
  // the last, cut line is kept as a reject: every line zcat sees complete is a record
  assert.ok(damaged.records >= recovered, `${damaged.records} records against zcat's ${recovered} lines`);
  assert.equal(summary.files.find((f) => f.path === good)!.records, 300);
  assert.equal(rows(db), damaged.records + 300);
});

test('a corrupt .gz (bytes overwritten mid-file) keeps what decoded before the damage and reports the lost bytes', async (t) => {
  const dir = tempDir(t);
  const { path, gz } = gzFile(dir, 20_000);
  const bad = Buffer.from(gz);
  bad.fill(0xff, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 64);
  writeFileSync(path, bad);
  const db = join(dir, 'd.db');
  const r = await runDroptrace(['ingest', '--db', db, path]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /access\.log\.2\.gz: corrupt gzip data \(.+\).*compressed bytes/);
  const stored = rows(db);
  assert.ok(stored > 1_000 && stored < 20_000, `${stored} rows from the half before the damage`);
});

test('analyze with a truncated .gz among its inputs still prints the report, exit 1', async (t) => {
  const dir = tempDir(t);
  const { path, gz } = gzFile(dir, 2_000);
  writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
  const r = await runDroptrace(['analyze', '--db', join(dir, 'd.db'), '--format', 'json', path]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /truncated gzip/);
  assert.ok((JSON.parse(r.stdout) as { totals: { requests: number } }).totals.requests > 100);
});

test('a FIFO (and so `ingest <(cat x.log)`) is read as a stream', async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const lines = combinedLines(1_000).join('\n') + '\n';
  const db = join(dir, 'd.db');
  const ingest = runDroptrace(['ingest', '--db', db, fifo]);
  const writer = spawn('sh', ['-c', `cat > '${fifo}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
  writer.stdin.end(lines);
  const r = await ingest;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(rows(db), 1_000);
});

test('`ingest <(cat x.log)` (bash process substitution) is read as a stream', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'x.log');
  writeFileSync(log, combinedLines(500).join('\n') + '\n');
  const db = join(dir, 'd.db');
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" ingest --db "${db}" <(cat "${log}")`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(rows(db), 500);
});

test('report --out refuses the database, its -wal and an ingested log, and writes nothing', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, combinedLines(50).join('\n') + '\n');
  const db = join(dir, 'd.db');
  assert.equal((await runDroptrace(['ingest', '--db', db, log])).code, 0);
  for (const [out, what] of [[db, 'the database'], [`${db}-wal`, "the database's write-ahead log"], [log, 'a log file ingested']] as const) {
    const r = await runDroptrace(['report', '--db', db, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--out .* is ${what}.*choose another file`));
  }
  assert.equal(rows(db), 50, 'the database is intact');
  assert.equal(readFileSync(log, 'utf8').split('\n').length, 51);
  // the same log under a relative path, from its own directory, is the same file
  const r = await runDroptrace(['report', '--db', db, '--out', 'access.log'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is a log file ingested/);
  assert.ok(statSync(join(dir, 'access.log')).size > 0);
});
