/**
 * The schema, as an ordered list of migrations: migration N brings `PRAGMA user_version` from N-1 to
 * N. Never edit a shipped migration; add one. MIGRATIONS (and QUERY_INDEXES below) hold all DDL:
 * the ingest tables are written here, a later feature's tables beside that feature's queries in sql/
 * (correlation.ts, chain.ts, report-marks.ts, watermarks.ts, lb.ts) and imported into the list. The
 * queries live in sql/, one file per question, except the ingest's own writes (store/writers.ts,
 * store/files.ts) and open.ts's pragmas and schema checks.
 *
 * Conventions: times are UTC epoch milliseconds (`*_ms`) next to the text the log printed
 * (`time_text`); durations are milliseconds (`*_ms`); every log row carries its provenance
 * (`file_id`, `line_no`, byte `offset` of the line in the file's content, and the `pattern` that parsed it).
 */
import { CORRELATION_MIGRATION, DROP_APP_REQUEST_ID_INDEX_MIGRATION, ERROR_SKEW_MIGRATION, EVIDENCE_MIGRATION } from './correlation.js';
import { CHAIN_MIGRATION } from './chain.js';
import { REPORT_MARKS_MIGRATION, VERDICT_REVISIONS_MIGRATION } from './report-marks.js';
import { CORRELATION_MARKS_MIGRATION } from './watermarks.js';
import { LB_FILE_LINE_INDEX, LB_MIGRATION, LB_QUERY_INDEXES } from './lb.js';

export const MIGRATIONS: readonly string[] = [
  /* 1: ingest */ `
  CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL,     -- path as given when first ingested ('-' for stdin)
    host          TEXT,              -- --host label
    type          TEXT NOT NULL,     -- nginx-access | nginx-error | gunicorn | app
    format        TEXT,              -- nginx log_format string, 'json' or 'ndjson'; null where the type has one layout
    tz            TEXT,              -- zone used for offset-less timestamps
    tz_assumed    INTEGER NOT NULL DEFAULT 0, -- 1 when tz was the machine's zone, not --tz
    head_hash     TEXT NOT NULL,     -- sha1 of the first head_len bytes of content: recognises rotated/compressed copies
    head_len      INTEGER NOT NULL,
    bytes_done    INTEGER NOT NULL DEFAULT 0, -- checkpoint: content bytes fully ingested
    lines_done    INTEGER NOT NULL DEFAULT 0, -- checkpoint: lines fully ingested
    last_line_hash TEXT,             -- sha1 of the line that ends at bytes_done: a grown file is checked against it
    partial_hash  TEXT,              -- sha1 of an unterminated last line stored after bytes_done (it may still grow)
    records       INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    first_ingested_ms INTEGER NOT NULL,
    last_ingested_ms  INTEGER NOT NULL
  );
  CREATE INDEX files_head ON files(head_hash);

  -- Every name a file's content was seen under (access.log, access.log.1, access.log.2.gz, -).
  CREATE TABLE file_names (
    file_id INTEGER NOT NULL REFERENCES files(id),
    path    TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    PRIMARY KEY (file_id, path)
  ) WITHOUT ROWID;

  CREATE TABLE rejects (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    raw       TEXT NOT NULL,     -- the line as read (invalid UTF-8 replaced by U+FFFD; cut at 64 KiB)
    raw_bytes INTEGER NOT NULL   -- the line's length in bytes, before any cut
  );
  CREATE INDEX rejects_file ON rejects(file_id, line_no);

  CREATE TABLE nginx_access (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    pattern   TEXT NOT NULL,
    time_ms   INTEGER,           -- when nginx wrote the line (the request's end)
    time_text TEXT,
    remote_addr TEXT, remote_user TEXT,
    request   TEXT,              -- the request line as logged
    method    TEXT, uri TEXT, path TEXT, query TEXT, protocol TEXT,
    request_junk INTEGER NOT NULL DEFAULT 0,
    status    INTEGER,
    body_bytes_sent INTEGER, bytes_sent INTEGER, request_length INTEGER,
    referer   TEXT, user_agent TEXT, forwarded_for TEXT,
    vhost     TEXT,              -- $host
    request_time_ms INTEGER,
    attempts  TEXT,              -- JSON [{addr,status,connect_ms,header_ms,response_ms,group}], null when not logged
    attempt_count INTEGER,
    upstream_status_last INTEGER,
    request_id TEXT,
    connection INTEGER, connection_requests INTEGER, pipelined INTEGER,
    extra     TEXT               -- JSON of the other variables the format logs
  );

  CREATE TABLE nginx_error (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    pattern   TEXT NOT NULL,
    time_ms   INTEGER, time_text TEXT,
    level     TEXT NOT NULL,
    pid       INTEGER, tid INTEGER,
    cid       INTEGER,           -- nginx connection id (*123)
    kind      TEXT NOT NULL,     -- classified message (see NginxErrorKind)
    errno     INTEGER,
    message   TEXT NOT NULL,
    client    TEXT, server TEXT, request TEXT, method TEXT, uri TEXT, path TEXT,
    upstream  TEXT, vhost TEXT, referrer TEXT,
    detail    TEXT               -- continuation lines of a multi-line record
  );

  CREATE TABLE server_log (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    pattern   TEXT NOT NULL,
    source    TEXT NOT NULL,     -- gunicorn | uvicorn | uvicorn_access | app
    event     TEXT NOT NULL,     -- see GunicornEvent
    time_ms   INTEGER, time_text TEXT,
    level     TEXT,
    pid       INTEGER,           -- the process that printed the line
    worker_pid INTEGER,          -- the worker the event is about
    signal    INTEGER, exit_code INTEGER,
    message   TEXT NOT NULL,
    client    TEXT, method TEXT, uri TEXT, status INTEGER,
    detail    TEXT               -- traceback lines attached to this record
  );

  CREATE TABLE app_requests (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    pattern   TEXT NOT NULL,
    kind      TEXT NOT NULL,     -- slow | failed | request
    format    TEXT NOT NULL,     -- text | ndjson
    time_ms   INTEGER, time_text TEXT,
    level     TEXT, logger TEXT,
    pid       INTEGER,
    method    TEXT, path TEXT, status INTEGER,
    elapsed_ms INTEGER,
    request_id TEXT, client TEXT, error TEXT,
    detail    TEXT
  );
  `,
  /* 2: correlation */ CORRELATION_MIGRATION,
  /* 3: reports */ REPORT_MARKS_MIGRATION,
  /* 4: audit snapshots */ CHAIN_MIGRATION,
  /* 5: error-log clock offset */ ERROR_SKEW_MIGRATION,
  /* 6: what the last correlation covered */ CORRELATION_MARKS_MIGRATION,
  /* 7: verdicts revised after a report covered them */ VERDICT_REVISIONS_MIGRATION,
  /* 8: the load balancer in front */ LB_MIGRATION,
  /* 9: what supports each verdict */ EVIDENCE_MIGRATION,
  /* 10: no request-id index on app rows */ DROP_APP_REQUEST_ID_INDEX_MIGRATION,
];

/**
 * Indexes for the correlation joins. They are created after bulk ingest rather than in the schema:
 * maintaining them row by row during a large ingest costs more than building them once (see
 * buildQueryIndexes in ingest/ingest.ts).
 */
export const QUERY_INDEXES: readonly string[] = [
  'CREATE INDEX IF NOT EXISTS nginx_access_time ON nginx_access(time_ms)',
  'CREATE INDEX IF NOT EXISTS nginx_access_request_id ON nginx_access(request_id) WHERE request_id IS NOT NULL',
  'CREATE INDEX IF NOT EXISTS nginx_error_time ON nginx_error(time_ms)',
  'CREATE INDEX IF NOT EXISTS server_log_time ON server_log(time_ms)',
  'CREATE INDEX IF NOT EXISTS app_requests_time ON app_requests(time_ms)',
  ...LB_QUERY_INDEXES,
];

/**
 * Each log table by (file_id, line_no): only for deleting the rows of one line (a partial last line
 * that has grown since) and recounting a file's rows after it. Built there, on the first need, not
 * at every ingest's end: on a million-request shard they were a fifth of the index builds
 * (0.35 s) for a lookup most stores never make. Once built, later inserts maintain them. Stores
 * from before 2026-12-05 have them already.
 */
export const FILE_LINE_INDEXES: readonly string[] = [
  'CREATE INDEX IF NOT EXISTS nginx_access_file_line ON nginx_access(file_id, line_no)',
  'CREATE INDEX IF NOT EXISTS nginx_error_file_line ON nginx_error(file_id, line_no)',
  'CREATE INDEX IF NOT EXISTS server_log_file_line ON server_log(file_id, line_no)',
  'CREATE INDEX IF NOT EXISTS app_requests_file_line ON app_requests(file_id, line_no)',
  LB_FILE_LINE_INDEX,
];

/** The tables that hold log rows, each with file_id/line_no/offset/pattern. */
export const LOG_TABLES = ['nginx_access', 'nginx_error', 'server_log', 'app_requests', 'lb_access'] as const;
export type LogTable = (typeof LOG_TABLES)[number];
