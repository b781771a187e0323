/**
 * A hot rollback journal (a rollback-mode writer killed mid-transaction) met by a user who may read
 * the database but not write it: SQLite must roll the journal back before anyone reads, which that
 * user cannot do. droptrace must say so and how to get out, exit non-zero, and leave the journal
 * where it is (deleting it would leave the database half-written). Runs the CLI as `nobody`
 * (setpriv), so it skips where this process is not root or setpriv is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, leaveHotJournal, runDroptrace } from './stack.js';

const NOBODY = 65534;

const cannotRunAsNobody = ((): string | false => {
  if (process.getuid?.() !== 0) return 'not root: cannot run the CLI as another user';
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(CLI)})`], { stdio: 'ignore' });
  if (r.error) return `setpriv is not installed (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `user ${NOBODY} cannot read ${CLI} (a checkout only root may read)`;
  return false;
})();

test('a reader who may not write is told what a hot journal is and how to get out, and the journal stays', { skip: cannotRunAsNobody }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-hot-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755); // nobody may enter and read, not create or delete
  const log = join(dir, 'access.log');
  writeFileSync(log, '127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 2 "-" "curl/8.4.0"\n');
  const db = join(dir, 'store.db');
  const ing = await runDroptrace(['ingest', log, '--db', db, '--tz', 'UTC']);
  assert.equal(ing.code, 0, ing.stderr);
  // a rollback-mode writer killed after its cache spilled into the file: a hot journal
  const writer = leaveHotJournal(db, ['nginx_access', 'file_names']);
  assert.equal(writer.signal, 'SIGKILL', writer.stderr);
  assert.ok(existsSync(`${db}-journal`), 'the killed writer left a hot journal');
  for (const f of [db, `${db}-journal`]) chmodSync(f, 0o644);
  const journalBefore = readFileSync(`${db}-journal`);

  const q = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, 'query', '--db', db, 'SELECT count(*) AS n FROM nginx_access'],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: dir } });
  assert.notEqual(q.status, 0, `a reader who cannot roll the journal back must not exit 0 (stdout: ${q.stdout})`);
  assert.match(q.stderr, /holds a write that a killed process left unfinished/);
  assert.match(q.stderr, /droptrace correlate --db/, 'it says how to get out: once as a user who can write it');
  assert.match(q.stderr, /Do not delete .*-journal/);
  assert.doesNotMatch(q.stderr, /^\s+at /m, 'an explanation, not a stack trace');
  assert.ok(readFileSync(`${db}-journal`).equals(journalBefore), 'the journal is left as it was');

  // and root, who may write, rolls it back and reads the row the killed writer was deleting
  const r = await runDroptrace(['query', '--db', db, '--format', 'json', 'SELECT count(*) AS n FROM nginx_access']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{ n: 1 }]);
  assert.ok(!existsSync(`${db}-journal`));
});
