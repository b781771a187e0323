/**
 * The load balancer in front, as a fifth layer: its log rows (one table for every vendor, `kind`
 * says whose), the columns that tie a request's verdict to its LB line, and the questions the LB
 * pass of the correlation asks (correlate/lb.ts).
 */
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
  'CREATE INDEX IF NOT EXISTS lb_access_file_line ON lb_access(file_id, line_no)',
  'CREATE INDEX IF NOT EXISTS request_verdicts_lb ON request_verdicts(lb_id) WHERE lb_id IS NOT NULL',
];

export const INSERT_LB = `INSERT INTO lb_access (file_id, line_no, offset, pattern, kind, time_ms, time_text, start_ms,
  client_addr, client_port, target_addr, target_port, target, local_addr, local_port, method, uri, path, protocol, status,
  target_status, elapsed_ms, target_ms, connect_ms, termination, trace_id, request_id, user_agent, received_bytes, sent_bytes, extra)
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`;
