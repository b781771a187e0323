/**
 * The record beside each shard's database (`web-07.db` → `web-07.shard.json`): which stack and
 * window it holds, so export and the commands that read a --db directory know what the shard owns.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Shard } from './plan.js';
import type { ShardWindow } from './window.js';

export interface ShardRecord {
  readonly key: string;
  readonly stack: string;
  readonly window: ShardWindow | null;
  readonly db: string;
}

const recordPath = (db: string) => db.replace(/\.db$/, '') + '.shard.json';

/** Written after the shard's run, through a temp name: a killed run leaves the previous record or none. */
export function writeShardRecord(shard: Shard): void {
  const path = recordPath(shard.db);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ key: shard.key, stack: shard.stack, window: shard.window }, null, 2) + '\n');
  renameSync(tmp, path);
}

function readRecord(db: string): ShardRecord {
  const path = recordPath(db);
  const key = basename(db).replace(/\.db$/, '');
  if (!existsSync(path)) return { key, stack: key.replace(/~.*$/, ''), window: null, db };
  const r = JSON.parse(readFileSync(path, 'utf8')) as { key: string; stack: string; window: ShardWindow | null };
  return { key: r.key, stack: r.stack, window: r.window, db };
}

export function isShardDirectory(dbArg: string): boolean {
  return dbArg.endsWith('/') || (existsSync(dbArg) && statSync(dbArg).isDirectory());
}

/**
 * What --db names: one database file (one shard, named after the file), or a directory of shard
 * databases (every `*.db` in it, in key order). Not found: an empty list (the caller says so).
 */
export function listShards(dbArg: string): ShardRecord[] {
  if (!isShardDirectory(dbArg)) return existsSync(dbArg) ? [readRecord(dbArg)] : [];
  if (!existsSync(dbArg)) return [];
  return readdirSync(dbArg).filter((n) => n.endsWith('.db')).sort().map((n) => readRecord(join(dbArg, n)));
}
