/**
 * The files table: which content has been ingested and how far. A file is known by its content (the
 * hash of its first bytes), not its name, so access.log, access.log.1 and access.log.1.gz of the
 * same content share one row and one checkpoint.
 */
import type { Db } from './open.js';

export interface FileRow {
  readonly id: number;
  readonly path: string;
  readonly host: string | null;
  readonly type: string;
  readonly format: string | null;
  readonly tz: string | null;
  readonly head_hash: string;
  readonly head_len: number;
  readonly bytes_done: number;
  readonly lines_done: number;
  readonly last_line_hash: string | null;
  readonly partial_hash: string | null;
  readonly records: number;
  readonly rejected: number;
}

export interface NewFile {
  readonly path: string;
  readonly host: string | null;
  readonly type: string;
  readonly format: string | null;
  readonly tz: string | null;
  readonly tzAssumed: boolean;
  readonly headHash: string;
  readonly headLen: number;
}

export interface Checkpoint {
  readonly bytesDone: number;
  readonly linesDone: number;
  readonly lastLineHash: string | null;
  /** hash of an unterminated last line stored past bytesDone, null when the content ended with a newline */
  readonly partialHash: string | null;
  readonly records: number;
  readonly rejected: number;
}

/** What a checkpoint is compared on before it moves. */
export interface CheckpointAt {
  readonly bytesDone: number;
  readonly linesDone: number;
  readonly partialHash: string | null;
}

export interface FileRegistry {
  /** Files of this host whose head could be the start of content with this head. */
  candidates(host: string | null, headHash: string): FileRow[];
  create(f: NewFile): number;
  /** Records that a shorter-headed file has grown: its head is now longer. */
  extendHead(id: number, headHash: string, headLen: number): void;
  /**
   * Moves the checkpoint from `from` to `cp`, only if it is still at `from`: false when another
   * process moved it meanwhile (its transaction committed between two of ours). The caller rolls
   * back then, so no line is ever stored twice.
   */
  saveCheckpoint(id: number, cp: Checkpoint, from: CheckpointAt): boolean;
  /** Where the checkpoint of file `id` stands now. */
  checkpointOf(id: number): CheckpointAt | null;
  addName(id: number, path: string): void;
  /** Recounts records/rejected from the tables (after a grown partial line was stored again). */
  recount(id: number): void;
}

export function createFileRegistry(db: Db): FileRegistry {
  const candidates = db.prepare(
    `SELECT * FROM files WHERE host IS ? AND (head_hash = ? OR head_len < ?) ORDER BY id`,
  );
  const insert = db.prepare(`INSERT INTO files (path, host, type, format, tz, tz_assumed, head_hash, head_len,
    first_ingested_ms, last_ingested_ms) VALUES (?,?,?,?,?,?,?,?,?,?)`);
  const extend = db.prepare('UPDATE files SET head_hash = ?, head_len = ? WHERE id = ?');
  const checkpoint = db.prepare(`UPDATE files SET bytes_done = ?, lines_done = ?, last_line_hash = ?,
    partial_hash = ?, records = records + ?, rejected = rejected + ?, last_ingested_ms = ?
    WHERE id = ? AND bytes_done = ? AND lines_done = ? AND partial_hash IS ?`);
  const where = db.prepare('SELECT bytes_done, lines_done, partial_hash FROM files WHERE id = ?');
  const recount = db.prepare(`UPDATE files SET
      records = (SELECT count(*) FROM nginx_access WHERE file_id = @id) + (SELECT count(*) FROM nginx_error WHERE file_id = @id)
              + (SELECT count(*) FROM server_log WHERE file_id = @id) + (SELECT count(*) FROM app_requests WHERE file_id = @id),
      rejected = (SELECT count(*) FROM rejects WHERE file_id = @id)
    WHERE id = @id`);
  const name = db.prepare('INSERT OR IGNORE INTO file_names (file_id, path, seen_ms) VALUES (?,?,?)');
  return {
    candidates: (host, headHash) => candidates.all(host, headHash, HEAD_BYTES) as FileRow[],
    create(f) {
      const now = Date.now();
      const r = insert.run(f.path, f.host, f.type, f.format, f.tz, f.tzAssumed ? 1 : 0, f.headHash, f.headLen, now, now);
      return Number(r.lastInsertRowid);
    },
    extendHead: (id, h, len) => void extend.run(h, len, id),
    saveCheckpoint(id, cp, from) {
      return checkpoint.run(cp.bytesDone, cp.linesDone, cp.lastLineHash, cp.partialHash, cp.records, cp.rejected, Date.now(),
        id, from.bytesDone, from.linesDone, from.partialHash).changes === 1;
    },
    checkpointOf(id) {
      const r = where.get(id) as { bytes_done: number; lines_done: number; partial_hash: string | null } | undefined;
      return r ? { bytesDone: r.bytes_done, linesDone: r.lines_done, partialHash: r.partial_hash } : null;
    },
    addName: (id, path) => void name.run(id, path, Date.now()),
    recount: (id) => void recount.run({ id }),
  };
}

/** Every name a file was ingested under (as given then: relative ones to that run's directory). */
export function ingestedPaths(db: Db): string[] {
  return (db.prepare("SELECT DISTINCT path FROM file_names WHERE path <> '-'").all() as { path: string }[]).map((r) => r.path);
}

/**
 * Whether any log file was ingested: a store whose first ingest was killed before its first commit
 * (or read no file) has its schema and nothing else, and its report would read "0 requests".
 */
export function hasIngestedFile(db: Db): boolean {
  return db.prepare('SELECT 1 FROM files LIMIT 1').get() !== undefined;
}

/** How many leading bytes identify a file's content. 4 KiB holds dozens of lines with their times. */
export const HEAD_BYTES = 4096;
