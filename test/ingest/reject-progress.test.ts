/**
 * A reject keeps how far the best pattern got, from the parser through ingest into the rejects table
 * and the ingest summary: real lines with one real malformed line among them, through the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { corporaDir, readCorpus } from '../parsers/corpora.js';
import { describeReject } from '../../parsers/result.js';
import { createNginxErrorParser } from '../../parsers/nginx-error/parse.js';
import { createNginxAccessParser } from '../../parsers/nginx-access/parse.js';
import { PRESETS } from '../../parsers/nginx-access/presets.js';

interface RejectRow { readonly line_no: number; readonly reason: string }

function rejectsOf(db: string): RejectRow[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT line_no, reason FROM rejects ORDER BY line_no').all() as RejectRow[];
  } finally {
    d.close();
  }
}

test('an haproxy line cut inside its request line is stored as stopped at the request line, with its column', async (t) => {
  // Recorded by the LB harness (samples/lb); the fourth line as a writer killed mid-line leaves it.
  const real = readFileSync(join(repoRoot(), 'samples/lb/logs/haproxy.log'), 'utf8').split('\n').slice(0, 8);
  const cut = real[3]!.slice(0, real[3]!.indexOf(' HTTP/1.1"'));
  const dir = tempDir(t);
  const log = join(dir, 'haproxy.log');
  writeFileSync(log, [...real.slice(0, 3), cut, ...real.slice(4)].join('\n') + '\n');
  const db = join(dir, 'd.db');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', log]);
  assert.equal(r.exitCode, 0, r.stderr);
  const column = cut.indexOf('"') + 1;
  const rejects = rejectsOf(db);
  assert.deepEqual(rejects.map((x) => x.line_no), [4]);
  assert.match(rejects[0]!.reason, /^not an HAProxy httplog line: /);
  assert.ok(rejects[0]!.reason.endsWith(`: stopped at the request line (column ${column})`), rejects[0]!.reason);
  assert.ok(r.stdout.includes(`first in ${log}: line 4: not an HAProxy httplog line`) && r.stdout.includes(`stopped at the request line (column ${column})`), r.stdout);
});

test('an access line without its ident and user fields says which log_format and which $variable it stopped at', async (t) => {
  const corpora = corporaDir();
  if (corpora === null) {
    t.skip('../shared/corpora not found: clone the corpora beside the repo to run the conformance tests');
    return;
  }
  // Real production lines in nginx's `main` format, and lnav's bad access-log line (no "- -").
  const good = readCorpus(join(corpora, 'nginx-access/lnav-shop-access-log.ndjson')).slice(0, 20).map((row) => row.line);
  const bad = readCorpus(join(corpora, 'nginx-access/lnav.ndjson')).find((row) => (row.source ?? '').includes('logfile_bad_access_log'))!.line;
  assert.match(bad, /^192\.168\.202\.254 \[20\/Jul\/2009/);
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, [...good.slice(0, 10), bad, ...good.slice(10)].join('\n') + '\n');
  const db = join(dir, 'd.db');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', '--json', log]);
  assert.equal(r.exitCode, 0, r.stderr);
  const rejects = rejectsOf(db);
  assert.deepEqual(rejects.map((x) => x.line_no), [11]);
  assert.match(rejects[0]!.reason, /^does not match log_format "main": expected " - " before \$remote_user at column 16, found " \[20\/Jul\/2009:22:59:29"/);
  const summary = JSON.parse(r.stdout) as { files: { firstReject: string | null }[] };
  assert.equal(summary.files[0]!.firstReject, `line 11: ${rejects[0]!.reason}`);
});

test('describeReject adds the progress once: not where the reason says the column, not for a pattern that matched nothing', () => {
  const error = createNginxErrorParser({ tz: 'UTC' })('2024/01/02 03:04:05 something else entirely');
  assert.equal(error.kind, 'reject');
  if (error.kind !== 'reject') return;
  assert.equal(describeReject(error), `${error.reason}: stopped at " [level] pid#tid:" (column 20)`);
  const access = createNginxAccessParser({ tz: 'UTC', format: PRESETS.combined })('127.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" abc 3 "-" "curl/8"');
  assert.equal(access.kind, 'reject');
  if (access.kind !== 'reject') return;
  assert.match(access.reason, /column 61/);
  assert.equal(describeReject(access), access.reason, 'the column is said once');
  assert.equal(describeReject({ kind: 'reject', reason: 'not JSON', matchedUpTo: 0 }), 'not JSON');
});
