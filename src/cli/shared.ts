/** Small pieces every command shares: the --db option and opening the store around an action. */
import type { Command } from 'commander';
import { openStore, type Db, type OpenOptions } from '../store/open.js';

export const DEFAULT_DB = './droptrace.db';

export function dbOption(cmd: Command): Command {
  return cmd.option('--db <file>', 'SQLite database', DEFAULT_DB);
}

export async function withStore<T>(path: string, opts: OpenOptions, fn: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openStore(path, opts);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
