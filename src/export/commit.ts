/**
 * Replacing a shard's files in the dataset so that readers never see a partial one: every file is
 * written under a temp directory first (`DIR/.tmp-<shard>-<pid>`, which no `table=*` glob reaches),
 * then renamed into place — a rename within one file system is atomic — and the shard's files that
 * the new export no longer has are deleted. A process killed while writing leaves only its temp
 * directory, which the next export of that shard removes.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export function partName(shardKey: string): string {
  return `part-${shardKey}.parquet`;
}

export function tempDirFor(dataset: string, shardKey: string): string {
  return join(dataset, `.tmp-${shardKey}-${process.pid}`);
}

/** Removes what killed exports of this shard left behind. */
export function removeStaleTemps(dataset: string, shardKey: string): void {
  if (!existsSync(dataset)) return;
  for (const n of readdirSync(dataset)) {
    if (n.startsWith(`.tmp-${shardKey}-`)) rmSync(join(dataset, n), { recursive: true, force: true });
  }
}

/** The shard's files now in the dataset (relative paths): table=*\/date=*\/stack=<stack>/part-<key>.parquet. */
export function shardFiles(dataset: string, stack: string, shardKey: string): string[] {
  const out: string[] = [];
  if (!existsSync(dataset)) return out;
  for (const t of readdirSync(dataset).filter((n) => n.startsWith('table='))) {
    for (const d of readdirSync(join(dataset, t)).filter((n) => n.startsWith('date='))) {
      const f = join(t, d, `stack=${stack}`, partName(shardKey));
      if (existsSync(join(dataset, f))) out.push(f);
    }
  }
  return out;
}

/** Moves the temp directory's files into place, then deletes the shard's older files not replaced. */
export function commitShardFiles(dataset: string, tmp: string, written: readonly string[], stack: string, shardKey: string): void {
  const before = new Set(shardFiles(dataset, stack, shardKey));
  for (const f of written) {
    const rel = relative(tmp, f);
    const target = join(dataset, rel);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(f, target);
    before.delete(rel);
  }
  for (const old of before) rmSync(join(dataset, old), { force: true });
  rmSync(tmp, { recursive: true, force: true });
}
