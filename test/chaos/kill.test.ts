/**
 * `kill -9` at seeded random points of every writing command, on a generated stack. After the
 * kill the database must hold either what it held before or what one whole run leaves (ingest: any
 * prefix of whole batches); the same command run again must then leave exactly what uninterrupted
 * runs leave — compared by a checksum of every table.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksum, generateStack, runDroptrace, type Stack } from './stack.js';
import { seededRandom } from '../support/random.js';

const LINES = 10_000;
const SEED = 14;
const dir = mkdtempSync(join(tmpdir(), 'droptrace-chaos-kill-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let stack: Stack;
const conf = join(dir, 'nginx.conf');

/** Each writing command: the database it starts from and its arguments (after --db). */
interface Case {
  readonly name: string;
  readonly base: 'none' | 'ingested' | 'correlated';
  readonly args: () => string[];
  /** Killed after its commit, a second run adds to the first (a mark, a snapshot, a rebuild's run row) */
  readonly repeats: boolean;
  /** Commits in batches (ingest): after a kill any prefix of them may be stored */
  readonly batched: boolean;
  readonly kills: number;
}

const CASES: Case[] = [
  { name: 'ingest', base: 'none', args: () => [...stack.ingestArgs], repeats: false, batched: true, kills: 5 },
  { name: 'correlate', base: 'ingested', args: () => ['correlate'], repeats: false, batched: false, kills: 3 },
  { name: 'correlate --rebuild', base: 'correlated', args: () => ['correlate', '--rebuild'], repeats: true, batched: false, kills: 5 },
  { name: 'report --since-last', base: 'correlated', args: () => ['report', '--since-last', '--format', 'json', '--tz', 'UTC'], repeats: true, batched: false, kills: 3 },
  { name: 'audit --db', base: 'correlated', args: () => ['audit', '--nginx-conf', conf, '--at', '2024-01-01T00:00:00Z'], repeats: true, batched: false, kills: 3 },
];

const bases: Record<'ingested' | 'correlated', string> = { ingested: join(dir, 'ingested.db'), correlated: join(dir, 'correlated.db') };

before(async () => {
  stack = await generateStack(join(dir, 'logs'), LINES, SEED);
  writeFileSync(conf, `events {}\nhttp {\n  server {\n    listen 8080;\n    location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 30s; }\n  }\n}\n`);
  const ing = await runDroptrace([...stack.ingestArgs, '--db', bases.ingested]);
  assert.equal(ing.code, 0, ing.stderr);
  copyFileSync(bases.ingested, bases.correlated);
  const cor = await runDroptrace(['correlate', '--db', bases.correlated]);
  assert.equal(cor.code, 0, cor.stderr);
});

function freshCopy(base: Case['base'], name: string): string {
  const db = join(dir, `${name}.db`);
  // -journal too: one a kill left would be played onto the copy by its next writer (kill-points.test.ts)
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) rmSync(f, { force: true });
  if (base !== 'none') copyFileSync(bases[base], db);
  return db;
}

const stateOf = (db: string): string => (existsSync(db) ? JSON.stringify(checksum(db)) : 'no database');

for (const c of CASES) {
  test(`kill -9 during ${c.name}: the next run leaves what uninterrupted runs leave`, { timeout: 240_000 }, async (t) => {
    // What uninterrupted runs leave: once, and twice.
    const ref = freshCopy(c.base, 'ref');
    const before = stateOf(ref);
    const first = await runDroptrace([...c.args(), '--db', ref]);
    assert.equal(first.code, 0, first.stderr);
    const once = stateOf(ref);
    assert.notEqual(once, before, 'the command changes the database');
    await runDroptrace([...c.args(), '--db', ref]);
    const twice = stateOf(ref);

    const rnd = seededRandom(SEED * 100 + c.name.length);
    const outcome = { before: 0, partial: 0, whole: 0, finished: 0 };
    for (let k = 0; k < c.kills; k++) {
      const db = freshCopy(c.base, `kill-${k}`);
      // from the process start to a little past a whole run: startup, every phase, the commit
      const at = Math.round(rnd() * first.ms * 1.1);
      const killed = await runDroptrace([...c.args(), '--db', db], { killAfterMs: at });
      // a hot journal fails every read-only open (SQLITE_READONLY_ROLLBACK): droptrace writes none
      assert.ok(!existsSync(`${db}-journal`), `${c.name} killed at ${at} ms left ${db}-journal`);
      const after = stateOf(db);
      if (killed.signal !== 'SIGKILL') outcome.finished++;
      if (after === before || after === 'no database') outcome.before++;
      else if (after === once) outcome.whole++;
      else {
        outcome.partial++;
        assert.ok(c.batched, `${c.name} killed at ${at} ms left a state that is neither before nor after it:\n${after}\nbefore: ${before}\nonce:   ${once}`);
      }
      const rerun = await runDroptrace([...c.args(), '--db', db]);
      assert.equal(rerun.code, 0, `re-run after a kill at ${at} ms: ${rerun.stderr}`);
      const expected = c.repeats && after === once ? twice : once;
      assert.equal(stateOf(db), expected, `${c.name} killed at ${at} ms, then run again`);
    }
    t.diagnostic(`${c.name}: ${c.kills} kill points (whole run ${first.ms} ms): ${outcome.before} before any commit, ${outcome.partial} between batches, ${outcome.whole} after the commit, ${outcome.finished} finished before the kill`);
  });
}
