/**
 * Shard processes started while the CLI itself is still starting. A shard's process spends ~0.1 s
 * booting Node and loading the ingest before its first line, and the CLI's own start (its modules,
 * the plan) another ~0.1 s before the pool forks: together a sixth of a 2-stack, 100k-request
 * ingest, and the serial part that bounds `--jobs` (docs/performance.md). main.ts forks them from
 * the raw arguments, before it loads anything else, when the line plainly asks for a sharded
 * ingest (`ingest`/`analyze` with `--db DIR/`, an existing directory, or `--manifest`); the pool
 * then takes a started one (`takeWorker`) instead of forking. A guess that was wrong costs only the
 * idle children, which never keep the CLI alive and are killed when it exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

const warm: ChildProcess[] = [];

export function forkWorker(): ChildProcess {
  return fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
}

/** A started shard process: a warm one if any is left, else a new one. */
export function takeWorker(): ChildProcess {
  const c = warm.shift();
  if (c === undefined || c.exitCode !== null || c.signalCode !== null || !c.connected) return forkWorker();
  c.ref();
  c.channel?.ref();
  return c;
}

/** Kills the warm processes no shard took (fewer shards than jobs, or not sharded after all). */
export function releaseWarmWorkers(): void {
  for (const c of warm.splice(0)) c.kill();
}

/** The value of `--name V` or `--name=V` in argv, the last one given (as commander reads it). */
function optionValue(argv: readonly string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === name) v = argv[i + 1];
    else if (a.startsWith(`${name}=`)) v = a.slice(name.length + 1);
  }
  return v;
}

/**
 * How many shard processes to start now for these CLI arguments (those after `droptrace`): 0 unless
 * the line is plainly a sharded ingest, else --jobs (or the cores). The same test as isSharded
 * (src/cli/shard-options.ts), on the raw text: commander has not parsed it yet.
 */
export function preforkCount(argv: readonly string[]): number {
  if (argv[0] !== 'ingest' && argv[0] !== 'analyze') return 0;
  if (argv.includes('--help') || argv.includes('-h')) return 0;
  const db = optionValue(argv, '--db');
  const sharded = optionValue(argv, '--manifest') !== undefined ||
    (db !== undefined && (db.endsWith('/') || (existsSync(db) && statSync(db).isDirectory())));
  if (!sharded) return 0;
  const jobs = Number(optionValue(argv, '--jobs') ?? availableParallelism());
  return Number.isInteger(jobs) && jobs >= 1 ? Math.min(jobs, availableParallelism()) : 0;
}

export function preforkShardWorkers(n: number): void {
  for (let i = 0; i < n; i++) {
    const c = forkWorker();
    // idle, it must not keep the CLI running (a usage error, or fewer shards than processes)
    c.unref();
    c.channel?.unref();
    c.on('error', () => { /* a warm child that failed to start is replaced in takeWorker */ });
    warm.push(c);
  }
  if (n > 0) process.once('exit', releaseWarmWorkers);
}
