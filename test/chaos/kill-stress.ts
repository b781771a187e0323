/**
 * The long kill -9 loop (minutes, not in `npm test`; kill.test.ts and kill-points.test.ts are the
 * short versions): every writing command on a store of realistic size, SIGKILLed after a random
 * delay, then the store opened as droptrace's read-only commands open it and checked:
 *  - the open raises no SQLite error (a hot journal left by the kill is rolled back, or said loudly);
 *  - no log row is lost: every log table holds at least the rows it held before the run;
 *  - the verdicts are the old complete set or the new complete set, never a part or none;
 *  - the same command run again leaves what an uninterrupted run leaves.
 *
 *   npm run build && node dist/test/chaos/kill-stress.js [--lines 50000] [--kills 40] [--load] [--seed 7] [--only ingest,rebuild]
 *
 * `--load` starts one busy process per core (`yes > /dev/null`) for the whole loop, to widen the
 * race windows as a loaded machine does. Prints the outcome of every kill and a tally; exits 1 on
 * the first broken store, with its path kept for inspection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checksum, generateStack, runDroptrace, type Stack } from './stack.js';
import { seededRandom } from '../support/random.js';
import { openStore, closeStore } from '../../src/store/open.js';
import { LOG_TABLES } from '../../src/store/sql/schema.js';

const { values: flags } = parseArgs({
  options: {
    lines: { type: 'string', default: '50000' },
    kills: { type: 'string', default: '40' },
    seed: { type: 'string', default: '7' },
    load: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

interface Case {
  readonly name: string;
  readonly base: 'none' | 'ingested' | 'correlated';
  readonly args: (stack: Stack, conf: string) => string[];
}

const CASES: Case[] = [
  { name: 'ingest', base: 'none', args: (s) => [...s.ingestArgs] },
  { name: 'analyze', base: 'none', args: (s) => ['analyze', ...s.ingestArgs.slice(1), '--format', 'json'] },
  { name: 'correlate', base: 'ingested', args: () => ['correlate'] },
  { name: 'rebuild', base: 'correlated', args: () => ['correlate', '--rebuild'] },
  { name: 'report', base: 'correlated', args: () => ['report', '--since-last', '--format', 'json', '--tz', 'UTC'] },
  { name: 'audit', base: 'correlated', args: (_s, conf) => ['audit', '--nginx-conf', conf, '--at', '2024-01-01T00:00:00Z'] },
];

const dir = mkdtempSync(join(tmpdir(), 'droptrace-kill-stress-'));
const busy: ChildProcess[] = [];
let keep = false;
process.on('exit', () => {
  for (const p of busy) p.kill('SIGKILL');
  if (!keep) rmSync(dir, { recursive: true, force: true });
});

/** What a reader sees: the counts droptrace's own read-only open finds, or the error it raises. */
function readAsCommandsDo(db: string): { counts: Record<string, number> } | { error: string } {
  if (!existsSync(db)) return { counts: {} };
  try {
    const store = openStore(db, { readonly: true });
    try {
      const counts: Record<string, number> = {};
      const tables = store.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of tables) {
        if ((LOG_TABLES as readonly string[]).includes(name) || name === 'request_verdicts') {
          counts[name] = (store.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
        }
      }
      return { counts };
    } finally {
      closeStore(store);
    }
  } catch (err) {
    return { error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}` };
  }
}

function freshCopy(base: string | null, name: string): string {
  const db = join(dir, `${name}.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) rmSync(f, { force: true });
  if (base !== null) copyFileSync(base, db);
  return db;
}

const state = (db: string): string => (existsSync(db) ? JSON.stringify(checksum(db)) : 'no database');

async function main(): Promise<void> {
  const lines = Number(flags.lines);
  const kills = Number(flags.kills);
  const rnd = seededRandom(Number(flags.seed));
  const only = flags.only?.split(',') ?? null;
  if (flags.load) {
    for (let i = 0; i < availableParallelism(); i++) busy.push(spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' }));
    console.log(`load: ${busy.length} busy processes`);
  }
  const stack = await generateStack(join(dir, 'logs'), lines, Number(flags.seed));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, 'events {}\nhttp {\n  server {\n    listen 8080;\n    location / { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 30s; }\n  }\n}\n');
  const bases = { none: null, ingested: join(dir, 'ingested.db'), correlated: join(dir, 'correlated.db') };
  const ing = await runDroptrace([...stack.ingestArgs, '--db', bases.ingested]);
  if (ing.code !== 0) throw new Error(ing.stderr);
  copyFileSync(bases.ingested, bases.correlated);
  const cor = await runDroptrace(['correlate', '--db', bases.correlated]);
  if (cor.code !== 0) throw new Error(cor.stderr);

  for (const c of CASES) {
    if (only !== null && !only.includes(c.name)) continue;
    const args = c.args(stack, conf);
    const ref = freshCopy(bases[c.base], 'ref');
    const before = readAsCommandsDo(ref);
    const first = await runDroptrace([...args, '--db', ref]);
    if (first.code !== 0) throw new Error(`${c.name}: ${first.stderr}`);
    const once = state(ref);
    const onceCounts = readAsCommandsDo(ref);
    await runDroptrace([...args, '--db', ref]);
    const twice = state(ref);
    const tally = { before: 0, between: 0, whole: 0, finished: 0 };
    for (let k = 0; k < kills; k++) {
      const db = freshCopy(bases[c.base], `kill-${c.name}-${k}`);
      const at = Math.round(rnd() * first.ms * 1.1);
      const killed = await runDroptrace([...args, '--db', db], { killAfterMs: at });
      const fail = (why: string): never => {
        keep = true;
        console.log(`FAIL ${c.name} killed at ${at} ms (whole run ${first.ms} ms): ${why}\n  store kept at ${db}`);
        process.exit(1);
      };
      const seen = readAsCommandsDo(db);
      if ('error' in seen) fail(`a read-only open fails: ${seen.error}`);
      if ('error' in before || 'error' in onceCounts) throw new Error('the reference store cannot be read');
      const counts = (seen as { counts: Record<string, number> }).counts;
      for (const t of LOG_TABLES) {
        if ((counts[t] ?? 0) < (before.counts[t] ?? 0)) fail(`${t} holds ${counts[t] ?? 0} rows, ${before.counts[t]} before the run`);
      }
      const verdicts = counts.request_verdicts ?? 0;
      if (verdicts !== (before.counts.request_verdicts ?? 0) && verdicts !== (onceCounts.counts.request_verdicts ?? 0)) {
        fail(`${verdicts} verdicts: neither the ${before.counts.request_verdicts ?? 0} before nor the ${onceCounts.counts.request_verdicts ?? 0} after a whole run`);
      }
      const after = state(db);
      if (killed.signal !== 'SIGKILL') tally.finished++;
      else if (after === once) tally.whole++;
      else if (verdicts === (before.counts.request_verdicts ?? 0) && JSON.stringify(counts) === JSON.stringify(before.counts)) tally.before++;
      else tally.between++;
      const rerun = await runDroptrace([...args, '--db', db]);
      if (rerun.code !== 0) fail(`the run after the kill fails: ${rerun.stderr}`);
      const expected = after === once && c.base !== 'none' ? [once, twice] : [once];
      if (!expected.includes(state(db))) fail(`the run after the kill leaves ${state(db)}\n  expected ${expected.join('\n  or ')}`);
      for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) rmSync(f, { force: true });
    }
    console.log(`${c.name}: ${kills} kills (whole run ${first.ms} ms): ${tally.before} before any commit, ${tally.between} between commits, ${tally.whole} after the last commit, ${tally.finished} finished first`);
  }
}

await main();
// the busy processes keep the event loop alive: end them so the process exits (and cleans up)
for (const p of busy) p.kill('SIGKILL');
