/** Small pieces every command shares: the --db option and opening the store around an action. */
import type { Command } from 'commander';
import { closeStore, openStore, type Db, type OpenOptions } from '../store/open.js';
import { correlateStoreIfPending } from '../pending-correlation.js';
import type { CliIO } from './io.js';

export const DEFAULT_DB = './droptrace.db';

export function dbOption(cmd: Command): Command {
  return cmd.option('--db <file>', 'SQLite database', DEFAULT_DB);
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
export function catchUpCorrelation(path: string, io: CliIO): void {
  if (io.stderr.isTTY === true) io.stderr.write('\r\u001b[Kcorrelating what was ingested since the last correlation…');
  const r = correlateStoreIfPending(path);
  if (io.stderr.isTTY === true) io.stderr.write('\r\u001b[K');
  if (r.stale !== null) io.stderr.write(`warning: ${r.stale}\n`);
}
