/**
 * The scratch directories droptrace makes under the temp directory (TMPDIR): DuckDB's database and
 * spill files (`duckdb`), the fleet report's SQLite file (`fleet`), the dataset a `report --db DIR/`
 * exports first (`dataset`). Each is removed when its command ends, but a killed command cannot: the
 * name says whose it is (`droptrace-<kind>-<host>-<pid>-XXXXXX`), and every command that makes one
 * first removes those whose process on this host is gone. A live process's directory (and another
 * host's, and one named before owners were) is left alone.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTag, isAlive } from '../domain/process-owner.js';

export const SCRATCH_KINDS = ['duckdb', 'fleet', 'dataset'] as const;
export type ScratchKind = (typeof SCRATCH_KINDS)[number];

/** A new scratch directory of this process, after the dead processes' ones are removed. */
export function makeScratchDir(kind: ScratchKind): string {
  removeStaleScratch();
  return mkdtempSync(join(tmpdir(), `droptrace-${kind}-${hostTag()}-${process.pid}-`));
}

/** Removes the scratch directories (any kind) that processes of this host no longer running left in `dir`; returns their names. */
export function removeStaleScratch(dir = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no temp directory yet: nothing was left in it
  }
  const removed: string[] = [];
  const mine = new RegExp(`^droptrace-(?:${SCRATCH_KINDS.join('|')})-${hostTag().replace(/\./g, '\\.')}-(\\d+)-[A-Za-z0-9]{6}$`);
  for (const name of names) {
    const pid = Number(mine.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
