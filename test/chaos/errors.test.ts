/**
 * Errors that name the file and the cause: a full disk during ingest (SQLITE_FULL, not "cannot
 * rollback"), then the space freed and the same ingest finishing exactly; a database on a read-only
 * file system (EROFS) or that this user cannot write (EACCES), with its path; a read-only database
 * with uncorrelated rows is an error, not "0 requests" with exit 0.
 *
 * The disk is a small tmpfs and the other user `nobody`: both need root (CI runs as root). Without
 * mount, the full disk is a size-capped database (PRAGMA max_page_count) through the library.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combinedLines, tempDir } from '../helpers.js';
import { checksum, CLI, runDroptrace } from './stack.js';
import { openStore, closeStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { StoreError } from '../../src/store/store-error.js';

const isRoot = process.getuid?.() === 0;
function canMount(dir: string): boolean {
  if (!isRoot) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0 && spawnSync('umount', [dir]).status === 0;
}

/** A mount point of its own, unmounted then removed after the test (tempDir's removal cannot pass a mount). */
function mountPoint(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-mnt-'));
  t.after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

function bigLog(dir: string): string {
  const log = join(dir, 'access.log');
  writeFileSync(log, combinedLines(30_000).join('\n') + '\n');
  return log;
}

test('disk full during ingest: SQLITE_FULL is named with the file; once space is freed the same ingest finishes exactly', async (t) => {
  const dir = tempDir(t);
  const log = bigLog(dir);
  const ref = join(dir, 'ref.db');
  assert.equal((await runDroptrace(['ingest', '--db', ref, log])).code, 0);
  const mnt = mountPoint(t);
  if (!canMount(mnt)) {
    t.diagnostic('mount is not allowed here: the full disk is a size-capped database (PRAGMA max_page_count)');
    const db = join(dir, 'capped.db');
    const store = openStore(db);
    store.pragma('max_page_count = 60');
    await assert.rejects(ingestPaths(store, [log], { batchLines: 2_000 }), (err: unknown) => {
      assert.ok(err instanceof StoreError && err.code === 'full', String(err));
      assert.match((err as Error).message, /disk full while ingesting .*access\.log into .*capped\.db \(SQLite: database or disk is full\).*run the same ingest again/);
      return true;
    });
    store.pragma('max_page_count = 1073741823');
    await ingestPaths(store, [log]);
    closeStore(store);
    assert.deepEqual(checksum(db).nginx_access, checksum(ref).nginx_access);
    return;
  }
  mountTmpfs(mnt, '2m');
  const db = join(mnt, 'd.db');
  const full = await runDroptrace(['ingest', '--db', db, log]);
  assert.equal(full.code, 1);
  assert.match(full.stderr, /disk full while ingesting .*access\.log into .*d\.db \(SQLite: database or disk is full\): .*free space on that disk and run the same ingest again/);
  assert.doesNotMatch(full.stderr, /cannot rollback/);
  execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
  const again = await runDroptrace(['ingest', '--db', db, log]);
  assert.equal(again.code, 0, again.stderr);
  const { files: _f, file_names: _n, ...got } = checksum(db);
  const { files: _rf, file_names: _rn, ...want } = checksum(ref);
  assert.deepEqual(got, want);
});

test('a database on a read-only file system: the error names the path and EROFS', async (t) => {
  const mnt = mountPoint(t);
  if (!canMount(mnt)) return t.skip('mount is not allowed here (needs root)');
  mountTmpfs(mnt, '8m');
  const log = join(mnt, 'a.log');
  writeFileSync(log, combinedLines(200).join('\n') + '\n');
  assert.equal((await runDroptrace(['ingest', '--db', join(mnt, 'd.db'), log])).code, 0);
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  const ingest = await runDroptrace(['ingest', '--db', join(mnt, 'new.db'), log]);
  assert.equal(ingest.code, 1);
  assert.match(ingest.stderr, /cannot open database .*new\.db: .*droptrace-mnt-\w+ is on a read-only file system \(EROFS\): pass a --db in a directory this user can write/);
  const report = await runDroptrace(['report', '--db', join(mnt, 'd.db')]);
  assert.equal(report.code, 1);
  assert.match(report.stderr, /d\.db.*read-only file system \(EROFS\)/);
  assert.doesNotMatch(report.stdout, /0 requests/);
});

/** Runs the CLI as `nobody`: root passes every permission check. */
function asNobody(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a database this user cannot write: uncorrelated rows are an error (exit 1), and writes name the path and EACCES', async (t) => {
  if (!isRoot || spawnSync('runuser', ['--help']).status !== 0) return t.skip('needs root and runuser, to run as another user');
  // a directory anyone may write (SQLite creates the -shm a reader needs), a database only root may
  const dir = tempDir(t, 'droptrace-perm-');
  chmodSync(dir, 0o777);
  const log = join(dir, 'a.log');
  writeFileSync(log, combinedLines(200).join('\n') + '\n');
  const db = join(dir, 'd.db');
  assert.equal((await runDroptrace(['ingest', '--db', db, log])).code, 0);
  chmodSync(db, 0o644);
  const report = asNobody(['report', '--db', db, '--fail-on', 'silent>0']);
  assert.equal(report.code, 1, report.stderr);
  assert.match(report.stderr, /cannot correlate the rows ingested into .*d\.db since its last correlation.*Run `droptrace correlate --db .*d\.db` as a user who can write it/);
  assert.doesNotMatch(report.stdout, /\b0 requests/);
  const ingest = asNobody(['ingest', '--db', db, log]);
  assert.equal(ingest.code, 1);
  assert.match(ingest.stderr, /cannot write database .*d\.db: permission denied on .*d\.db \(EACCES\)/);
  const closed = join(dir, 'closed');
  mkdirSync(closed, { mode: 0o755 });
  const fresh = asNobody(['ingest', '--db', join(closed, 'new.db'), log]);
  assert.equal(fresh.code, 1);
  assert.match(fresh.stderr, /cannot open database .*closed\/new\.db: permission denied on .*closed \(EACCES\): pass a --db in a directory this user can write/);
  // in a directory the reader cannot write, it cannot even read a WAL database: said so, with the way out
  copyFileSync(db, join(closed, 'd.db'));
  const unreadable = asNobody(['report', '--db', join(closed, 'd.db')]);
  assert.equal(unreadable.code, 1);
  assert.match(unreadable.stderr, /cannot read database .*closed\/d\.db: .*SQLite needs to create .*d\.db-shm beside it to read a WAL database.*copy it to a writable directory/);
  // once correlated by its owner, the same user reads it
  assert.equal((await runDroptrace(['correlate', '--db', db])).code, 0);
  const ok = asNobody(['report', '--db', db, '--format', 'json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { totals: { requests: number } }).totals.requests, 200);
});
