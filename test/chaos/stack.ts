/**
 * What the chaos suite shares: a generated stack (the benchmark's seeded corpus, small), the built
 * CLI run as a real process (so `kill -9` is a real kill), and a checksum of every table that
 * leaves out only the wall-clock columns (when a run happened, not what it stored).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateCorpus, TIMING_FORMAT, type Corpus } from '../bench/corpus.js';
import { repoRoot } from '../helpers.js';

export const CLI = join(repoRoot(), 'dist/src/cli/main.js');

export interface Stack {
  readonly corpus: Corpus;
  /** The four layers' files, in the order the ingest reads them */
  readonly files: readonly string[];
  /** `ingest` arguments for the stack, before --db */
  readonly ingestArgs: readonly string[];
}

export async function generateStack(dir: string, lines: number, seed: number): Promise<Stack> {
  mkdirSync(dir, { recursive: true });
  const corpus = await generateCorpus(dir, lines, seed);
  const files = [corpus.timing, corpus.error, corpus.gunicorn, corpus.app];
  return { corpus, files, ingestArgs: ['ingest', '--tz', 'UTC', '--log-format', TIMING_FORMAT, ...files] };
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI to its end, or kills it with SIGKILL after `killAfterMs`. */
export function runDroptrace(args: readonly string[], opts: { killAfterMs?: number; cwd?: string } = {}): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = opts.killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Columns that say when something ran, not what it stored: two identical runs differ only there. */
const WALL_CLOCK: Readonly<Record<string, readonly string[]>> = {
  files: ['first_ingested_ms', 'last_ingested_ms'],
  file_names: ['seen_ms'],
  correlation_runs: ['started_ms', 'finished_ms'],
  report_marks: ['created_ms'],
};

/** sha1 per table of every row (wall-clock columns left out), and the row counts. */
export function checksum(dbPath: string): Record<string, string> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, string> = {};
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      const skip = new Set(WALL_CLOCK[name] ?? []);
      const rows = (db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][]);
      const cols = (db.prepare(`SELECT * FROM "${name}" LIMIT 0`).columns()).map((c) => c.name);
      const keep = cols.map((c, i) => (skip.has(c) ? -1 : i)).filter((i) => i >= 0);
      const lines = rows.map((r) => JSON.stringify(keep.map((i) => r[i]))).sort();
      out[name] = `${rows.length}:${createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 12)}`;
    }
    out.user_version = String(db.pragma('user_version', { simple: true }));
    return out;
  } finally {
    db.close();
  }
}

/**
 * A hot rollback journal: a writer in rollback-journal mode (a droptrace before WAL, or a file system
 * without it) killed mid-transaction after its cache spilled into the file, deleting `tables`' rows.
 * Returns the killed writer's stderr when it did not die by SIGKILL (the caller asserts).
 */
export function leaveHotJournal(db: string, tables: readonly string[]): { signal: NodeJS.Signals | null; stderr: string } {
  const writer = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(db)});
    db.pragma('journal_mode = DELETE');
    db.pragma('cache_size = 2');
    db.exec('BEGIN');
    for (const t of ${JSON.stringify(tables)}) db.exec('DELETE FROM ' + t);
    process.kill(process.pid, 'SIGKILL');
  `], { cwd: repoRoot(), encoding: 'utf8' });
  return { signal: writer.signal, stderr: writer.stderr };
}
