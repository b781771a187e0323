/**
 * Prepared INSERTs, one per log table, and the mapping from each parser's record to its columns.
 * Called inside the ingest's batch transactions; nothing here commits. Access, app and load-balancer
 * rows are inserted several at a time (row-batch.ts): `flush()` before the commit stores the last ones.
 */
import type { Statement } from 'better-sqlite3';
import type { NginxAccessRecord } from '../../parsers/nginx-access/record.js';
import type { NginxErrorRecord } from '../../parsers/nginx-error/record.js';
import type { ServerLogRecord } from '../../parsers/gunicorn/record.js';
import type { AppRequestRecord } from '../../parsers/app/record.js';
import type { LbRecord } from '../../parsers/load-balancer/record.js';
import { LB_COLUMNS } from './sql/lb.js';
import type { Db } from './open.js';
import { FILE_LINE_INDEXES, type LogTable } from './sql/schema.js';
import { writeLoggedAttempts } from './attempts.js';
import { RowBatch } from './row-batch.js';

/** Where a row came from: every stored row carries it, so every finding can cite file:line. */
export interface Provenance {
  readonly fileId: number;
  readonly lineNo: number;
  readonly offset: number;
  readonly pattern: string;
}

export type TableRecord =
  | { readonly table: 'nginx_access'; readonly row: NginxAccessRecord }
  | { readonly table: 'nginx_error'; readonly row: NginxErrorRecord }
  | { readonly table: 'server_log'; readonly row: ServerLogRecord }
  | { readonly table: 'app_requests'; readonly row: AppRequestRecord }
  | { readonly table: 'lb_access'; readonly row: LbRecord };

const REJECT_RAW_LIMIT = 64 * 1024;

export interface Writers {
  insert(rec: TableRecord, at: Provenance, detail: string | null): void;
  reject(fileId: number, lineNo: number, offset: number, reason: string, raw: string, rawBytes: number): void;
  /** Stores the rows still waiting for a multi-row INSERT (row-batch.ts): before every commit. */
  flush(): void;
  /**
   * Removes whatever was stored for one line (a partial last line that has since grown). Builds the
   * (file_id, line_no) indexes first if the store has none yet (schema.ts FILE_LINE_INDEXES).
   */
  forgetLine(fileId: number, lineNo: number): void;
}

/** Any own key: without allocating the key list. */
function hasKeys(o: Readonly<Record<string, string>>): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

const b = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);

export function createWriters(db: Db): Writers {
  const access = new RowBatch(db, 'nginx_access', ['file_id', 'line_no', 'offset', 'pattern', 'time_ms', 'time_text',
    'remote_addr', 'remote_user', 'request', 'method', 'uri', 'path', 'query', 'protocol', 'request_junk', 'status',
    'body_bytes_sent', 'bytes_sent', 'request_length', 'referer', 'user_agent', 'forwarded_for', 'vhost', 'request_time_ms',
    'attempts', 'attempt_count', 'upstream_status_last', 'request_id', 'connection', 'connection_requests', 'pipelined', 'extra']);
  const error = db.prepare(`INSERT INTO nginx_error (file_id, line_no, offset, pattern, time_ms, time_text, level,
    pid, tid, cid, kind, errno, message, client, server, request, method, uri, path, upstream, vhost, referrer, detail)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  const server = db.prepare(`INSERT INTO server_log (file_id, line_no, offset, pattern, source, event, time_ms,
    time_text, level, pid, worker_pid, signal, exit_code, message, client, method, uri, status, detail)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  const app = new RowBatch(db, 'app_requests', ['file_id', 'line_no', 'offset', 'pattern', 'kind', 'format', 'time_ms',
    'time_text', 'level', 'logger', 'pid', 'method', 'path', 'status', 'elapsed_ms', 'request_id', 'client', 'error', 'detail']);
  const lb = new RowBatch(db, 'lb_access', LB_COLUMNS);
  const rejectStmt = db.prepare(
    'INSERT INTO rejects (file_id, line_no, offset, reason, raw, raw_bytes) VALUES (?,?,?,?,?,?)',
  );
  const forget: Statement[] = (['nginx_access', 'nginx_error', 'server_log', 'app_requests', 'lb_access', 'rejects'] as const).map(
    (t: LogTable | 'rejects') => db.prepare(`DELETE FROM ${t} WHERE file_id = ? AND line_no = ?`),
  );

  const flush = (): void => {
    access.flush();
    app.flush();
    lb.flush();
  };

  return {
    insert(rec, at, detail) {
      switch (rec.table) {
        case 'nginx_access': {
          const r = rec.row;
          const attempts = r.attempts;
          const last = attempts && attempts.length > 0 ? attempts[attempts.length - 1]! : null;
          // the columns' order above, one value each
          const v = access.values;
          let o = access.start();
          v[o++] = at.fileId; v[o++] = at.lineNo; v[o++] = at.offset; v[o++] = at.pattern; v[o++] = r.time; v[o++] = r.timeText;
          v[o++] = r.remoteAddr; v[o++] = r.remoteUser; v[o++] = r.request; v[o++] = r.method; v[o++] = r.uri; v[o++] = r.path;
          v[o++] = r.query; v[o++] = r.protocol; v[o++] = r.requestJunk ? 1 : 0; v[o++] = r.status;
          v[o++] = r.bodyBytesSent; v[o++] = r.bytesSent; v[o++] = r.requestLength; v[o++] = r.referer; v[o++] = r.userAgent;
          v[o++] = r.forwardedFor; v[o++] = r.host; v[o++] = r.requestTime;
          v[o++] = attempts ? writeLoggedAttempts(attempts) : null; v[o++] = attempts ? attempts.length : null;
          v[o++] = last ? last.status : null; v[o++] = r.requestId; v[o++] = r.connection; v[o++] = r.connectionRequests;
          v[o++] = b(r.pipelined); v[o] = hasKeys(r.extra) ? JSON.stringify(r.extra) : null;
          access.rowDone();
          return;
        }
        case 'nginx_error': {
          const r = rec.row;
          error.run(at.fileId, at.lineNo, at.offset, at.pattern, r.time, r.timeText, r.level, r.pid, r.tid, r.cid,
            r.kind, r.errno, r.message, r.client, r.server, r.request, r.method, r.uri, r.path, r.upstream, r.host,
            r.referrer, detail);
          return;
        }
        case 'server_log': {
          const r = rec.row;
          server.run(at.fileId, at.lineNo, at.offset, at.pattern, r.source, r.event, r.time, r.timeText, r.level,
            r.pid, r.workerPid, r.signal, r.exitCode, r.message, r.client, r.method, r.uri, r.status, detail);
          return;
        }
        case 'app_requests': {
          const r = rec.row;
          const v = app.values;
          let o = app.start();
          v[o++] = at.fileId; v[o++] = at.lineNo; v[o++] = at.offset; v[o++] = at.pattern; v[o++] = r.kind; v[o++] = r.format;
          v[o++] = r.time; v[o++] = r.timeText; v[o++] = r.level; v[o++] = r.logger; v[o++] = r.pid; v[o++] = r.method;
          v[o++] = r.path; v[o++] = r.status; v[o++] = r.elapsed; v[o++] = r.requestId; v[o++] = r.client; v[o++] = r.error;
          v[o] = detail;
          app.rowDone();
          return;
        }
        case 'lb_access': {
          const r = rec.row;
          const v = lb.values;
          let o = lb.start();
          v[o++] = at.fileId; v[o++] = at.lineNo; v[o++] = at.offset; v[o++] = at.pattern; v[o++] = r.kind; v[o++] = r.time;
          v[o++] = r.timeText; v[o++] = r.startTime; v[o++] = r.clientAddr; v[o++] = r.clientPort; v[o++] = r.targetAddr;
          v[o++] = r.targetPort; v[o++] = r.target; v[o++] = r.localAddr; v[o++] = r.localPort; v[o++] = r.method; v[o++] = r.uri;
          v[o++] = r.path; v[o++] = r.protocol; v[o++] = r.status; v[o++] = r.targetStatus; v[o++] = r.elapsed;
          v[o++] = r.targetTime; v[o++] = r.connectTime; v[o++] = r.termination; v[o++] = r.traceId; v[o++] = r.requestId;
          v[o++] = r.userAgent; v[o++] = r.receivedBytes; v[o++] = r.sentBytes; v[o] = hasKeys(r.extra) ? JSON.stringify(r.extra) : null;
          lb.rowDone();
          return;
        }
      }
    },
    reject(fileId, lineNo, offset, reason, raw, rawBytes) {
      rejectStmt.run(fileId, lineNo, offset, reason, raw.length > REJECT_RAW_LIMIT ? raw.slice(0, REJECT_RAW_LIMIT) : raw, rawBytes);
    },
    flush,
    forgetLine(fileId, lineNo) {
      flush();
      for (const sql of FILE_LINE_INDEXES) db.exec(sql);
      for (const s of forget) s.run(fileId, lineNo);
    },
  };
}
