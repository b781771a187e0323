/**
 * Where a shard's database is written. A shard whose file does not exist yet is built under a
 * temporary name beside it (`web-07.db.partial-<host>-<pid>`) with no journal on disk and no syncs, then
 * synced and renamed into place: a worker killed mid-shard leaves no `web-07.db` at all (the next
 * run builds it again from the start), and commands that read the --db directory never see half a
 * shard. A shard that exists already is opened in place and resumed, as any database is.
 */
import { closeSync, existsSync, fdatasync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostTag, isAlive } from '../domain/process-owner.js';

const PARTIAL = '.partial-';

/** The temporary name this process builds `db` under. */
export function partialPath(db: string): string {
  return `${db}${PARTIAL}${hostTag()}-${process.pid}`;
}

/**
 * Removes the partial files of `db` (and their journals) that a killed run on this host left. One
 * another host left is not ours to judge (it may be building now): it stays, and is never read.
 */
export function removeStalePartials(db: string): void {
  const dir = dirname(db);
  if (!existsSync(dir)) return;
  const prefix = `${basename(db)}${PARTIAL}${hostTag()}-`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue; // another run is building it now
    rmSync(join(dir, name), { force: true });
  }
}

/** How often the partial file's written pages are handed to the disk while it is built. */
const FLUSH_EVERY_MS = 1000;

/**
 * While the partial file is built, its written pages go to the disk every second from a libuv
 * thread (fdatasync), alongside the parsing and inserting, instead of all at once in
 * publishPartial's fsync at the end: a million-request shard wrote ~650 MB that the final fsync
 * waited 0.3 s for, with the CPU idle. Durability is unchanged (nothing is promised before
 * publishPartial); this only moves the disk's work earlier. Returns the function that stops it.
 */
export function flushWhileBuilding(db: string): () => Promise<void> {
  const fd = openSync(partialPath(db), 'r+');
  let inFlight: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (inFlight !== null) return;
    // a failed flush is not this run's failure: publishPartial's fsync is the one that counts
    inFlight = new Promise<void>((res) => fdatasync(fd, () => res())).then(() => { inFlight = null; });
  }, FLUSH_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
    closeSync(fd);
  };
}

/** Removes this process's partial file, after a failure. */
export function discardPartial(db: string): void {
  const tmp = partialPath(db);
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(f, { force: true });
}

/**
 * The closed partial file becomes the shard: synced first (its pages were written without syncs),
 * so that after an OS crash the name points at the whole file or at nothing.
 */
export function publishPartial(db: string): void {
  const tmp = partialPath(db);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, db);
  const dirFd = openSync(dirname(db), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
