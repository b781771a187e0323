/**
 * `kill -9` at exact points instead of random delays: strace kills the CLI on entry to the k-th
 * fsync / unlink / ftruncate / pwrite of a run (`-e inject=SYSCALL:signal=KILL:when=k`), the
 * ordering points where a database's files change. The random kills of kill.test.ts hit the
 * window below once in a few hundred runs on a loaded machine; here every point is hit every run.
 *
 * The bug they pin: a new database was switched to WAL through SQLite's default rollback journal,
 * and a kill between its first page's write and the journal's deletion left a hot `-journal`.
 * Every read-only open then failed with SQLITE_READONLY_ROLLBACK, and a database later copied to
 * that path (a restore, the chaos suite's fresh copies) was "rolled back" to zero pages — empty —
 * by its next writer. Skips where strace is missing or ptrace is not allowed (CI installs it).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, generateStack, leaveHotJournal, runDroptrace, type Run, type Stack } from './stack.js';
import { openStore, closeStore } from '../../src/store/open.js';

const dir = mkdtempSync(join(tmpdir(), 'droptrace-chaos-points-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const straceWorks = ((): string | null => {
  const r = spawnSync('strace', ['-f', '-o', '/dev/null', '-e', 'trace=unlink', 'true'], { stdio: 'ignore' });
  if (r.error) return `strace is not installed (${(r.error as NodeJS.ErrnoException).code}): apt-get install strace`;
  if (r.status !== 0) return `strace cannot trace here (ptrace not permitted, exit ${r.status})`;
  return null;
})();

/** The CLI killed by strace on entry to the `k`-th `syscall` (of any file): `killed` is false when the run made fewer. */
function runKilledAt(args: readonly string[], syscall: string, k: number): Promise<Run & { killed: boolean }> {
  const t0 = Date.now();
  const child = spawn('strace', ['-f', '-o', '/dev/null', '-e', `trace=${syscall}`, '-e', `inject=${syscall}:signal=KILL:when=${k}`, process.execPath, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // strace ends as its tracee did: by the same signal
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, killed: signal === 'SIGKILL' || code === 137 }));
  });
}

const countRows = (db: Database.Database, table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

let stack: Stack;
let log: string;

before(async () => {
  if (straceWorks !== null) return;
  stack = await generateStack(join(dir, 'logs'), 200, 3);
  log = join(dir, 'one.log');
  writeFileSync(log, '127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 2 "-" "curl/8.4.0"\n');
});

/**
 * Every fsync, unlink and ftruncate of a first ingest (the run's writes end at one of them), and
 * its first pwrites (the new database's first page). Enough points to cover the creation, the
 * schema and the batch commit of a one-line ingest, a few seconds under strace.
 */
const POINTS: readonly { syscall: string; upTo: number }[] = [
  { syscall: 'pwrite64', upTo: 4 },
  { syscall: 'fsync', upTo: 12 },
  { syscall: 'unlink', upTo: 6 },
  { syscall: 'ftruncate', upTo: 6 },
];

test('a first ingest killed at any write of its new database leaves no hot journal: readers open it, an empty one is reported as such, the next run ingests', { skip: straceWorks ?? false, timeout: 240_000 }, async (t) => {
  let points = 0;
  let reportedEmpty = false;
  for (const { syscall, upTo } of POINTS) {
    for (let k = 1; k <= upTo; k++) {
      const db = join(dir, `first-${syscall}-${k}.db`);
      const killed = await runKilledAt(['ingest', '--tz', 'UTC', '--db', db, log], syscall, k);
      if (!killed.killed) {
        assert.equal(killed.code, 0, killed.stderr);
        break; // the run made fewer than k of them
      }
      points++;
      const at = `killed on entry to ${syscall} #${k}`;
      assert.ok(!existsSync(`${db}-journal`), `${at}: ${db}-journal is left; a reader cannot open the database, a database copied there is rolled back to nothing`);
      let stored = 0;
      if (existsSync(db)) {
        // any SQLite reader, as a read-only droptrace command or the chaos suite's checksum opens it
        const reader = new Database(db, { readonly: true, fileMustExist: true });
        try {
          assert.doesNotThrow(() => reader.prepare('SELECT count(*) FROM sqlite_master').get(), at);
          const hasFiles = reader.prepare("SELECT 1 FROM sqlite_master WHERE name = 'files'").get() !== undefined;
          stored = hasFiles ? countRows(reader, 'files') : 0;
        } finally {
          reader.close();
        }
      }
      if (existsSync(db) && stored === 0 && !reportedEmpty) {
        // killed before its first commit: the store is empty, and its report must not read "0 requests"
        reportedEmpty = true;
        const report = await runDroptrace(['report', '--db', db]);
        assert.equal(report.code, 1, `${at}: report on the empty store:\n${report.stdout}${report.stderr}`);
        assert.match(report.stderr, /holds no ingested log: its first ingest stored nothing/);
        assert.doesNotMatch(report.stdout, /\b0 requests/);
      }
      const rerun = await runDroptrace(['ingest', '--tz', 'UTC', '--db', db, log]);
      assert.equal(rerun.code, 0, `${at}, then run again: ${rerun.stderr}`);
      const after = new Database(db, { readonly: true, fileMustExist: true });
      try {
        assert.equal(countRows(after, 'nginx_access'), 1, `${at}, then run again: the line is stored once`);
      } finally {
        after.close();
      }
    }
  }
  t.diagnostic(`${points} kill points`);
  assert.ok(points >= 8, `only ${points} kill points were reached: the run's writes changed, widen POINTS`);
  assert.ok(reportedEmpty, 'no kill point left an empty store to report on');
});

test('a database copied where a first ingest was killed keeps every row', { skip: straceWorks ?? false, timeout: 120_000 }, async () => {
  // The chaos suite's fresh copies (and a user restoring a backup) replace the database file and
  // its -wal/-shm; a -journal left beside them would be played onto the copy by its next writer.
  const ingested = join(dir, 'ingested.db');
  const ing = await runDroptrace([...stack.ingestArgs, '--db', ingested]);
  assert.equal(ing.code, 0, ing.stderr);
  const rows = ((): number => { const d = new Database(ingested, { readonly: true }); try { return countRows(d, 'nginx_access'); } finally { d.close(); } })();
  assert.ok(rows > 0);
  for (const k of [1, 2, 3, 4, 5, 6]) {
    const db = join(dir, `restored-${k}.db`);
    const killed = await runKilledAt(['ingest', '--tz', 'UTC', '--db', db, log], 'fsync', k);
    if (!killed.killed) break;
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    copyFileSync(ingested, db);
    const cor = await runDroptrace(['correlate', '--db', db]);
    assert.equal(cor.code, 0, cor.stderr);
    const store = openStore(db, { readonly: true });
    try {
      assert.equal(countRows(store, 'nginx_access'), rows, `a first ingest killed on entry to fsync #${k}, then a database copied there and correlated`);
    } finally {
      closeStore(store);
    }
  }
});

test('a read-only command rolls back the hot journal a killed rollback-mode writer left, and reads every row', { skip: straceWorks ?? false, timeout: 120_000 }, async () => {
  // A store in rollback-journal mode (one a droptrace before this fix left so, or one on a file
  // system without WAL), its writer killed mid-transaction after its cache spilled into the file.
  const db = join(dir, 'rollback.db');
  const ing = await runDroptrace([...stack.ingestArgs, '--db', db, '--correlate']);
  assert.equal(ing.code, 0, ing.stderr);
  const rows = ((): number => { const d = new Database(db, { readonly: true }); try { return countRows(d, 'nginx_access'); } finally { d.close(); } })();
  const writer = leaveHotJournal(db, ['nginx_access', 'request_verdicts']);
  assert.equal(writer.signal, 'SIGKILL', writer.stderr);
  assert.ok(existsSync(`${db}-journal`), 'the killed writer left a hot journal');
  const q = await runDroptrace(['query', '--db', db, '--format', 'json', 'SELECT count(*) AS n FROM nginx_access']);
  assert.equal(q.code, 0, q.stderr);
  assert.doesNotMatch(q.stderr, /SQLITE_|readonly/i);
  assert.deepEqual(JSON.parse(q.stdout), [{ n: rows }]);
  assert.ok(!existsSync(`${db}-journal`), 'rolled back: the journal is gone');
});
