/**
 * Opens (or creates) a droptrace database and brings its schema up to date. The only file that
 * knows better-sqlite3's full API; the rest of droptrace talks to the narrow `Db` type below.
 */
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './sql/schema.js';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(message: string, readonly code: 'open-failed' | 'newer-schema' | 'readonly', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface OpenOptions {
  readonly readonly?: boolean;
  /** Read-write, but refuse to create the file (commands that only make sense on an ingested database) */
  readonly mustExist?: boolean;
}

export function openStore(path: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: (opts.readonly ?? false) || (opts.mustExist ?? false) });
  } catch (err) {
    const hint = opts.readonly || opts.mustExist ? ': run `droptrace ingest` first to create it, or pass --db' : '';
    throw new StoreError(`cannot open database ${path}${hint} (${(err as Error).message})`, 'open-failed', { cause: err });
  }
  try {
    configure(db, opts);
  } catch (err) {
    db.close();
    // SQLite reads the file only now: a log file passed as --db fails here
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new StoreError(`${path} is not a droptrace database (SQLite: file is not a database): check --db`, 'open-failed', { cause: err });
    }
    throw err;
  }
  return db;
}

/** Pragmas and the schema of a freshly opened connection. */
function configure(db: Db, opts: OpenOptions): void {
  if (!opts.readonly) {
    // 16 KiB pages, set while the database is still empty (WAL mode fixes the page size once the
    // first table exists): a bulk ingest writes a quarter of the pages, WAL frames and write()
    // calls of the 4 KiB default, and scans read fewer pages (docs/performance.md).
    if (schemaVersion(db) === 0) db.pragma('page_size = 16384');
    // WAL: readers (report, query) never block the nightly ingest, and a kill -9 mid-batch leaves
    // the last committed batch intact.
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode is durable across process crashes (only an OS crash can lose the last
    // commits), which is the failure an ingest checkpoint has to survive.
    db.pragma('synchronous = NORMAL');
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
 */
export function removeEmptyStore(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  const files = (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
  db.close();
  if (files > 0) return;
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
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

function migrate(db: Db): void {
  checkVersion(db);
  const from = schemaVersion(db);
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Another read-write connection to a database `openStore` has opened and migrated, for a worker
 * thread (a connection belongs to the thread that opened it). The same per-connection pragmas, but
 * 4 MiB of page cache: the verdict writer only appends, and every MiB counts against the budget.
 */
export function openWorkerConnection(path: string): Db {
  const db = new Database(path, { fileMustExist: true });
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
