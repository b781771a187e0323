/**
 * The load balancer in front, as a fifth layer: its log rows (one table for every vendor, `kind`
 * says whose), the columns that tie a request's verdict to its LB line, and the questions the LB
 * pass of the correlation asks (correlate/lb.ts).
 */
import { REQUEST_VERDICTS_LB_INDEX } from './correlation.js';

export const LB_MIGRATION = `
  CREATE TABLE lb_access (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id),
    line_no   INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    pattern   TEXT NOT NULL,
    kind      TEXT NOT NULL,     -- alb | elb | gcp | haproxy | cloudflare
    time_ms   INTEGER,           -- when the LB finished with the request
    time_text TEXT,
    start_ms  INTEGER,           -- when the LB received it, where the line says
    client_addr TEXT, client_port INTEGER,   -- the client's (or the proxy in front's) side
    target_addr TEXT, target_port INTEGER,   -- the target the LB sent it to (nginx)
    target    TEXT,              -- the target as the LB names it (ALB "ip:port", HAProxy "backend/server", "<NOSRV>")
    local_addr TEXT, local_port INTEGER,     -- the LB's own source toward the target (HAProxy %bi:%bp), where logged
    method    TEXT, uri TEXT, path TEXT, protocol TEXT,
    status    INTEGER,           -- what the LB answered the client (null: nothing)
    target_status INTEGER,       -- what the target answered the LB (null: nothing)
    elapsed_ms INTEGER,          -- start to end at the LB
    target_ms  INTEGER,          -- the target's share (ALB target_processing_time, HAProxy Tr); null for -1
    connect_ms INTEGER,          -- HAProxy Tc
    termination TEXT,            -- HAProxy termination state, GCP statusDetails, ALB error_reason
    trace_id  TEXT,              -- X-Amzn-Trace-Id, GCP trace, Cloudflare RayID
    request_id TEXT,             -- HAProxy %ID or another id the LB logged
    user_agent TEXT,
    received_bytes INTEGER, sent_bytes INTEGER,
    extra     TEXT               -- JSON of the vendor's other fields
  );
  -- The verdict's LB line; a request only the LB logged has access_id = −lb_access.id.
  ALTER TABLE request_verdicts ADD COLUMN lb_id INTEGER;
  ALTER TABLE request_verdicts ADD COLUMN lb_match TEXT;  -- trace_id | request_id | connection | client | time_window
  ALTER TABLE correlation_marks ADD COLUMN lb_access INTEGER NOT NULL DEFAULT 0;
`;

export const LB_QUERY_INDEXES: readonly string[] = [
  'CREATE INDEX IF NOT EXISTS lb_access_time ON lb_access(time_ms)',
  REQUEST_VERDICTS_LB_INDEX,
];

/** One of FILE_LINE_INDEXES (schema.ts): built on first need. */
export const LB_FILE_LINE_INDEX = 'CREATE INDEX IF NOT EXISTS lb_access_file_line ON lb_access(file_id, line_no)';

/** lb_access's columns as the ingest fills them (src/store/writers.ts, by multi-row INSERTs). */
export const LB_COLUMNS: readonly string[] = ['file_id', 'line_no', 'offset', 'pattern', 'kind', 'time_ms', 'time_text',
  'start_ms', 'client_addr', 'client_port', 'target_addr', 'target_port', 'target', 'local_addr', 'local_port', 'method',
  'uri', 'path', 'protocol', 'status', 'target_status', 'elapsed_ms', 'target_ms', 'connect_ms', 'termination', 'trace_id',
  'request_id', 'user_agent', 'received_bytes', 'sent_bytes', 'extra'];

/** LB lines the correlation has not tied to a verdict yet, ending from a time on, in time order. */
export const SELECT_LB_FOR_PASS = `
  SELECT l.id, l.kind, l.time_ms, l.start_ms, l.client_addr, l.client_port, l.target, l.local_addr, l.local_port,
         l.method, l.path, l.status, l.target_status, l.elapsed_ms, l.target_ms, l.connect_ms, l.termination,
         l.trace_id, l.request_id, l.extra
  FROM lb_access l
  WHERE l.time_ms IS NOT NULL AND l.time_ms >= @from
    AND NOT EXISTS (SELECT 1 FROM request_verdicts v WHERE v.lb_id = l.id)
  ORDER BY l.time_ms, l.id`;

/** nginx requests not tied to an LB line yet, with what the LB join reads of their access line. */
export const SELECT_NGINX_FOR_LB = `
  SELECT v.access_id AS id, v.start_ms, v.end_ms, v.verdict, v.silent, v.explanation, v.app_completed,
         a.method, a.path, a.status, a.remote_addr, a.request_id, a.forwarded_for,
         json_extract(a.extra, '$.remote_port') AS remote_port,
         json_extract(a.extra, '$.http_x_amzn_trace_id') AS amzn_trace_id
  FROM request_verdicts v JOIN nginx_access a ON a.id = v.access_id
  WHERE v.access_id > 0 AND v.lb_id IS NULL AND v.end_ms >= @from
  ORDER BY v.end_ms, v.access_id`;

export const HAS_LB_ROWS = 'SELECT 1 FROM lb_access LIMIT 1';

/** An nginx request's verdict once its LB line is known. */
export const UPDATE_VERDICT_WITH_LB = `
  UPDATE request_verdicts SET lb_id = @lb_id, lb_match = @lb_match, verdict = @verdict, silent = @silent,
    keepalive_race = max(keepalive_race, @keepalive_race), explanation = @explanation,
    evidence_level = coalesce(@level, evidence_level),
    evidence = CASE WHEN @support IS NULL THEN evidence ELSE json_set(coalesce(evidence, '{"flags":{}}'), '$.verdict', json(@support)) END
  WHERE access_id = @access_id`;

/** A request only the LB logged: its own row, access_id = −lb id. */
export const INSERT_LB_ONLY_VERDICT = `
  INSERT OR REPLACE INTO request_verdicts (access_id, start_ms, end_ms, verdict, silent, wasted_work, retried, stalled,
    keepalive_race, explanation, lb_id, lb_match, keepalive_suspect, evidence_level, evidence)
  VALUES (@access_id, @start_ms, @end_ms, @verdict, @silent, 0, 0, 0, @keepalive_race, @explanation, @lb_id, NULL, 0, @level, @evidence)`;

/** The load balancers whose lines were read, commonest first: the report names each one's own settings. */
export const SELECT_LB_KINDS = 'SELECT kind, count(*) AS n FROM lb_access GROUP BY kind ORDER BY n DESC, kind';
