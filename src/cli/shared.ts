/** Small pieces every command shares: the --db option and opening the store around an action. */
import type { Command } from 'commander';
import { closeStore, openStore, StoreError, type Db, type OpenOptions } from '../store/open.js';
import { DEFAULT_WAIT_MS, type WaitPolicy } from '../store/write-lock.js';
import { parseDurationArg } from '../domain/time-arg.js';
import type { CliIO } from './io.js';
import { listShards } from '../shard/shard-file.js';
import type { OpenShard } from '../lookup/shards.js';
import { DUCKDB_MEMORY_LIMIT } from '../export/duck.js';
import { parseMemoryLimitArg } from '../domain/size-arg.js';
import { UsageError } from '../domain/errors.js';

export const DEFAULT_DB = './droptrace.db';

export function dbOption(cmd: Command): Command {
  return waitOption(cmd.option('--db <file>', 'SQLite database', DEFAULT_DB));
}

export function waitOption(cmd: Command): Command {
  return cmd.option('--wait <duration>', `when another droptrace is writing the database, wait this long for it, then refuse (0: refuse at once; default ${DEFAULT_WAIT_MS / 60_000}m)`);
}

/** --memory-limit, for the commands that run DuckDB (export; report and query over --dataset or a --db directory). */
export function memoryLimitOption(cmd: Command): Command {
  return cmd.option('--memory-limit <size>', `DuckDB's memory limit with --dataset or a --db directory: 512MB, 2GB, 1.5GiB (default ${DUCKDB_MEMORY_LIMIT}; past it DuckDB spills under TMPDIR)`);
}

/**
 * The checked --memory-limit (undefined: the default). `runsDuckDb` false: this run never starts
 * DuckDB (one database, no --dataset), where the flag would do nothing, so it is refused instead.
 */
export function memoryLimitFrom(flags: { readonly memoryLimit?: string }, runsDuckDb: boolean): string | undefined {
  if (flags.memoryLimit === undefined) return undefined;
  const { text } = parseMemoryLimitArg(flags.memoryLimit);
  if (!runsDuckDb) throw new UsageError('--memory-limit bounds DuckDB, which only runs with --dataset DIR or a --db directory of shards: drop it, or pass one of those');
  return text;
}

/** The --wait bound, with the "waiting" notice on stderr. */
export function waitFrom(flags: { readonly wait?: string }, io: CliIO): WaitPolicy {
  const waitMs = flags.wait === undefined ? DEFAULT_WAIT_MS : flags.wait.trim() === '0' ? 0 : parseDurationArg(flags.wait, '--wait');
  return { waitMs, onWait: (m) => void io.stderr.write(`${m}\n`) };
}

export async function withStore<T>(path: string, opts: OpenOptions, fn: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openStore(path, opts);
  try {
    return await fn(db);
  } finally {
    closeStore(db);
  }
}

/**
 * Before a command reads verdicts: correlate what was ingested since the last correlation (ingest
 * leaves it to the first command that needs it). Says so on a terminal, since it can take seconds.
 */
export async function catchUpCorrelation(path: string, io: CliIO, wait?: WaitPolicy): Promise<void> {
  // loaded here, not on top: a command that never reads verdicts (ingest) starts without the correlation
  const { correlateStoreIfPending } = await import('../correlate/pending-correlation.js');
  if (io.stderr.isTTY === true) io.stderr.write('\r\u001b[Kcorrelating what was ingested since the last correlation…');
  const r = correlateStoreIfPending(path, wait);
  if (io.stderr.isTTY === true) io.stderr.write('\r\u001b[K');
  // Verdicts missing the rows since the last correlation would be counted as the whole traffic
  // (a read-only copy with uncorrelated rows read as "0 requests", and a --fail-on cron passing).
  if (r.stale !== null) throw new Error(r.stale);
}

/**
 * `--db DIR`: every shard database in it, each brought up to date like one database, opened read-only
 * around the action. No shard there is an error, as a missing database is.
 */
export async function withShards<T>(dir: string, io: CliIO, wait: WaitPolicy | undefined, fn: (shards: OpenShard[]) => T | Promise<T>): Promise<T> {
  const records = listShards(dir);
  if (records.length === 0) throw new StoreError(`no shard database in ${dir}: run \`droptrace ingest --db ${dir} …\` first`, 'open-failed');
  const open: OpenShard[] = [];
  try {
    for (const record of records) {
      if (wait !== undefined) await catchUpCorrelation(record.db, io, wait);
      open.push({ record, db: openStore(record.db, { readonly: true }) });
    }
    return await fn(open);
  } finally {
    for (const s of open) closeStore(s.db);
  }
}
