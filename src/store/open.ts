/**
 * Opens (or creates) a droptrace database and brings its schema up to date. `Db` below is
 * better-sqlite3's own Database type, not a narrower port: the rest of droptrace imports the type from
 * here, and better-sqlite3 itself is imported only under src/store/ (its `Statement` type by the writers).
 */
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { MIGRATIONS } from './sql/schema.js';
import { StoreError, writeRefusal } from './store-error.js';
import { retryWhileBusy, setWaitPolicy, writeTransaction, type WaitPolicy } from './write-lock.js';

export type Db = Database.Database;
export { StoreError };

export interface OpenOptions {
  readonly readonly?: boolean;
  /** Read-write, but refuse to create the file (commands that only make sense on an ingested database) */
  readonly mustExist?: boolean;
  /** How long a writer waits for another process's write lock (write-lock.ts); default 5 minutes. */
  readonly wait?: WaitPolicy;
  /**
   * A new file no other connection opens until the caller renames it into place (a shard built
   * from scratch, src/shard/build-file.ts): its rollback journal stays in memory and nothing is
   * synced, so its pages are written once instead of to the WAL and again at each checkpoint. A
   * crash leaves a file the caller discards. `settleScratch` turns it into an ordinary database.
   */
  readonly scratch?: boolean;
}

export function openStore(path: string, opts: OpenOptions = {}): Db {
  try {
    return openOnce(path, opts);
  } catch (err) {
    if (!opts.readonly || !isHotJournal(err)) throw err;
    rollBackHotJournal(path, opts);
    return openOnce(path, opts);
  }
}

function openOnce(path: string, opts: OpenOptions): Db {
  // SQLite opens a file it cannot write read-only without a word, and fails at the first write
  // with no path: say which file and why before any work starts.
  if (!opts.readonly && existsSync(path)) {
    const why = writeRefusal(path);
    if (why !== null) throw new StoreError(`cannot write database ${path}: ${why}: give this user write access to it and its directory, or copy it to a writable --db`, 'readonly');
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: (opts.readonly ?? false) || (opts.mustExist ?? false) });
  } catch (err) {
    throw new StoreError(`cannot open database ${path}: ${describeOpenFailure(path, opts, err)}`, 'open-failed', { cause: err });
  }
  try {
    if (opts.wait) setWaitPolicy(db, opts.wait);
    configure(db, opts);
  } catch (err) {
    db.close();
    // SQLite reads the file only now: a log file passed as --db fails here
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new StoreError(`${path} is not a droptrace database (SQLite: file is not a database): check --db`, 'open-failed', { cause: err });
    }
    const code = (err as { code?: string }).code ?? '';
    if (isHotJournal(err)) throw err; // openStore rolls it back on a connection that may write
    if ((code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) && opts.readonly) {
      // A WAL database is read through its -shm file, which SQLite must be able to create
      throw new StoreError(`cannot read database ${path}: ${writeRefusal(path) ?? 'SQLite refused to write it'}, and SQLite needs to create ${path}-shm beside it to read a WAL database (SQLite: ${(err as Error).message}): copy it to a writable directory and pass that --db`, 'readonly', { cause: err });
    }
    if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
      throw new StoreError(`cannot write database ${path}: ${writeRefusal(path) ?? 'SQLite refused to write it'} (SQLite: ${(err as Error).message}): give this user write access to it and its directory, or copy it to a writable --db`, 'readonly', { cause: err });
    }
    throw err;
  }
  return db;
}

/**
 * SQLITE_READONLY_ROLLBACK: a process killed mid-write (before WAL mode, or a droptrace older than
 * the journal-free creation in configure) left a hot rollback journal, and a read-only connection
 * may not roll it back. Nothing can read the database until someone does.
 */
const isHotJournal = (err: unknown): boolean => (err as { code?: string }).code === 'SQLITE_READONLY_ROLLBACK';

/**
 * What every writer does on its first read: roll the unfinished write back, here on a read-write
 * connection that only reads (no pragma, no migration), so the read-only command can then open
 * the database as it was before that write. A user who may not write it is told how to.
 */
function rollBackHotJournal(path: string, opts: OpenOptions): void {
  const refusal = writeRefusal(path);
  if (refusal !== null) {
    throw new StoreError(
      `cannot read database ${path}: ${path}-journal holds a write that a killed process left unfinished, and SQLite must roll it back before anyone can read the database, which needs write access (${refusal}): run \`droptrace correlate --db ${path}\` once as a user who can write it, or copy ${path} and ${path}-journal together to a writable directory and pass that --db. Do not delete ${path}-journal: the database would be left half-written`,
      'readonly',
    );
  }
  const db = new Database(path, { fileMustExist: true });
  try {
    if (opts.wait) setWaitPolicy(db, opts.wait);
    schemaVersion(db);
  } finally {
    db.close();
  }
}

/** Pragmas and the schema of a freshly opened connection. */
function configure(db: Db, opts: OpenOptions): void {
  if (!opts.readonly) {
    // 16 KiB pages, set while the database is still empty (WAL mode fixes the page size once the
    // first table exists): a bulk ingest writes a quarter of the pages, WAL frames and write()
    // calls of the 4 KiB default, and scans read fewer pages (docs/performance.md).
    // WAL: readers (report, query) never block the nightly ingest, and a kill -9 mid-batch leaves
    // the last committed batch intact. Switching a new file to WAL needs it alone for a moment, and
    // SQLite answers "database is locked" at once, without its busy handler, when four first runs
    // race for it: retried within the --wait bound.
    retryWhileBusy(db, () => {
      // A new, empty file: its first page (the header that says WAL) is written with no rollback
      // journal. With the default journal, a kill between that write and the journal's deletion
      // left a hot -journal: every read-only open then failed (SQLITE_READONLY_ROLLBACK), and a
      // database later copied to that path was "rolled back" to nothing by its next writer.
      // An empty file has nothing to roll back; a kill leaves it empty or a whole empty database.
      // (From MEMORY, SQLite writes that page with no journal at all; OFF is refused by
      // better-sqlite3's defensive mode.)
      if (pageCount(db) === 0) db.pragma('journal_mode = MEMORY');
      if (schemaVersion(db) === 0) db.pragma('page_size = 16384');
      // a scratch file's journal in memory, not OFF: a batch the ingest rolls back must still go
      const mode = db.pragma(opts.scratch ? 'journal_mode = MEMORY' : 'journal_mode = WAL', { simple: true }) as string;
      // A file system without shared memory refuses WAL and keeps the mode set above: never leave
      // an ordinary database's journal in memory, where a kill mid-transaction loses it.
      if (!opts.scratch && mode !== 'wal') db.pragma('journal_mode = DELETE');
    });
    // NORMAL in WAL mode is durable across process crashes (only an OS crash can lose the last
    // commits), which is the failure an ingest checkpoint has to survive.
    db.pragma(opts.scratch ? 'synchronous = OFF' : 'synchronous = NORMAL');
  }
  // Memory must not grow with the input (docs/performance.md): the sorts behind index builds and
  // ordered sweeps spill to temp files past the cache budget (the OS caches them), and 16 MiB of
  // page cache is enough for append-only inserts and streaming reads.
  db.pragma('temp_store = FILE');
  db.pragma('cache_size = -16384');
  db.pragma('foreign_keys = OFF'); // provenance references are checked by construction, not per row
  if (!opts.readonly) migrate(db);
  else checkVersion(db);
}

/**
 * A scratch database (OpenOptions.scratch) becomes an ordinary one: WAL and NORMAL syncs from here
 * on, so a second connection can read it while this one writes (correlation does), and it opens
 * as every other database does once renamed into place.
 */
export function settleScratch(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
}

/**
 * Closes a store. A read-only connection that closes last cannot checkpoint, so SQLite leaves the
 * -wal and -shm files beside the database; when this user may write it, a read-write connection
 * opened and closed at once does the clean-up (it is not the last one if another process still
 * has the database open, and then SQLite keeps the files, as it should).
 */
export function closeStore(db: Db): void {
  const { name, readonly } = db;
  db.close();
  if (!readonly || !existsSync(`${name}-wal`)) return;
  try {
    accessSync(name, constants.W_OK);
    const cleaner = new Database(name, { fileMustExist: true });
    schemaVersion(cleaner); // a connection that never read the database does not touch its WAL on close
    cleaner.close();
  } catch {
    // a database this user cannot write keeps its WAL files: harmless, and not ours to remove
  }
}

/**
 * Deletes a database this run created and stored nothing in (every path was missing or unread):
 * an empty file would make the next `report` print an empty report instead of saying to ingest.
 * Not while another process has it open: a second first run on the same new path may be writing
 * its first batch, which the files would take with them. SQLite deletes a WAL database's -wal
 * when its last connection closes, so a -wal left after this close means another connection.
 */
export function removeEmptyStore(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  const files = (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
  db.close();
  if (files > 0 || existsSync(`${path}-wal`)) return;
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
}

/** Pages in the database file: 0 for a file SQLite has not written yet. */
function pageCount(db: Db): number {
  return db.pragma('page_count', { simple: true }) as number;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkVersion(db: Db): void {
  const v = schemaVersion(db);
  if (v > MIGRATIONS.length) {
    throw new StoreError(
      `database schema version ${v} is newer than this droptrace understands (${MIGRATIONS.length}): upgrade droptrace`,
      'newer-schema',
    );
  }
}

/**
 * All pending migrations in one write transaction, the version read inside it: four first runs on
 * a new database race for the lock, and the three that wait find the schema done.
 */
function migrate(db: Db): void {
  checkVersion(db);
  if (schemaVersion(db) === MIGRATIONS.length) return;
  writeTransaction(db, () => {
    checkVersion(db);
    for (let v = schemaVersion(db); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
}

/** Why a database could not be opened, from what the file system says (SQLite only says "unable to open"). */
function describeOpenFailure(path: string, opts: OpenOptions, err: unknown): string {
  if (!existsSync(path)) {
    if (opts.readonly || opts.mustExist) return `no such file: run \`droptrace ingest\` first to create it, or pass --db (${(err as Error).message})`;
    if (!existsSync(dirname(path))) return `no such directory ${dirname(path)}: create it or pass another --db`;
    return `${writeRefusal(path) ?? 'SQLite refused to write it'}: pass a --db in a directory this user can write (${(err as Error).message})`;
  }
  return `${(err as Error).message}: check that ${path} is a file this user can read`;
}


/**
 * Another read-write connection to a database `openStore` has opened and migrated, for a worker
 * thread (a connection belongs to the thread that opened it). The same per-connection pragmas, but
 * 4 MiB of page cache: the verdict writer only appends, and every MiB counts against the budget.
 */
export function openWorkerConnection(path: string): Db {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('busy_timeout = 60000'); // its writes interleave with the sweep's connection
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = FILE');
  db.pragma('cache_size = -4096');
  db.pragma('foreign_keys = OFF');
  return db;
}

/** A read-only second connection to the same database file (see correlate.ts for why). */
export function openReader(db: Db): Db {
  const reader = new Database(db.name, { readonly: true, fileMustExist: true });
  reader.pragma('temp_store = FILE');
  reader.pragma('cache_size = -16384');
  return reader;
}
