/**
 * Output never writes over an input: `report --out` pointed at the database, one of its -wal/-shm
 * files or a log file it ingested is refused before anything is written (the report would replace
 * the data it was made from).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../domain/errors.js';

/** Throws a UsageError when `out` is one of `inputs` (the same file by device and inode, or the same path). */
export function refuseOutputOverInput(out: string, inputs: readonly { path: string; what: string }[], cwd: string): void {
  const target = identify(resolve(cwd, out));
  for (const input of inputs) {
    const id = identify(resolve(cwd, input.path));
    if (id.key === target.key || id.path === target.path) {
      throw new UsageError(`--out ${out} is ${input.what}: writing the report there would destroy it; choose another file`);
    }
  }
}

function identify(path: string): { path: string; key: string } {
  try {
    const st = statSync(path);
    return { path, key: `${st.dev}:${st.ino}` };
  } catch {
    return { path, key: `path:${path}` };
  }
}

/** The database's own files, named for the error. */
export function databaseFiles(db: string): { path: string; what: string }[] {
  return [
    { path: db, what: `the database (${db})` },
    { path: `${db}-wal`, what: `the database's write-ahead log (${db}-wal)` },
    { path: `${db}-shm`, what: `the database's shared-memory index (${db}-shm)` },
    { path: `${db}-journal`, what: `the database's journal (${db}-journal)` },
  ];
}
