/**
 * Correlation results and the questions correlation asks of the log tables. Migration 2 adds the
 * result tables; the SELECTs below are the sweeps' inputs, each ordered the way the sweep walks.
 */
export const CORRELATION_MIGRATION = `
  -- One row per nginx request: what happened to it and the evidence behind the verdict.
  CREATE TABLE request_verdicts (
    access_id      INTEGER PRIMARY KEY,   -- nginx_access.id
    start_ms       INTEGER,               -- end − $request_time (null when the format has no $request_time)
    end_ms         INTEGER,               -- when nginx logged it
    verdict        TEXT NOT NULL,
    silent         INTEGER NOT NULL, wasted_work INTEGER NOT NULL, retried INTEGER NOT NULL,
    stalled        INTEGER NOT NULL, keepalive_race INTEGER NOT NULL,
    app_id         INTEGER,               -- app_requests.id of the primary app record (null: the app said nothing)
    app_ids        TEXT,                  -- JSON: every app record merged into this request (ndjson + middleware text, retries)
    app_match      TEXT,                  -- request_id | time_window
    app_confidence REAL,                  -- 0..1
    app_status     INTEGER, app_elapsed_ms INTEGER, app_pid INTEGER, app_completed INTEGER,
    app_end_ms     INTEGER,               -- handler end on nginx's clock (skew corrected)
    worker_event_id INTEGER,              -- server_log.id of the WORKER TIMEOUT / kill that ended an attempt
    worker_pid     INTEGER, worker_event TEXT, worker_time_ms INTEGER,
    error_ids      TEXT,                  -- JSON: nginx_error.id of the error-log lines about this request
    attempts       TEXT,                  -- JSON: per attempt {status, addr, response_ms, outcome, worker_pid, worker_event_id}
    stalled_by     INTEGER,               -- access_id (or -app_id) of the request that blocked the event loop
    wasted_ms      INTEGER,               -- handler time spent after nobody was waiting
    explanation    TEXT NOT NULL
  );
  CREATE INDEX request_verdicts_end ON request_verdicts(end_ms);
  CREATE INDEX request_verdicts_verdict ON request_verdicts(verdict, end_ms);

  CREATE TABLE correlation_runs (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    finished_ms INTEGER,
    from_ms     INTEGER,                 -- requests ending at or after this were (re)correlated; null: all
    requests    INTEGER,
    app_skew_ms INTEGER,                 -- app clock − nginx clock, estimated from confident matches
    skew_samples INTEGER,
    notes       TEXT
  );
`;

/**
 * The sweeps walk every row in start order (end − duration). A full correlation reads them through
 * these indexes instead of sorting a million whole rows in temp files: building one sorts only the
 * keys, and later correlations get the order for free (docs/performance.md). A full correlation
 * creates them; ingests then maintain them (new rows mostly append at the end).
 */
/** How many of the two sweep indexes exist. */
export const SELECT_SWEEP_INDEX_COUNT = `SELECT count(*) AS n FROM sqlite_master
  WHERE type = 'index' AND name IN ('nginx_access_start', 'app_requests_start')`;
export const CREATE_SWEEP_INDEXES = `
  CREATE INDEX IF NOT EXISTS nginx_access_start ON nginx_access(time_ms - coalesce(request_time_ms, 0));
  CREATE INDEX IF NOT EXISTS app_requests_start ON app_requests(time_ms - coalesce(elapsed_ms, 0));`;

/**
 * nginx requests in start order (end when the start is unknown). Only the columns matching and
 * classifying read: every column is a value built per row, a million times.
 */
const ACCESS_SWEEP_COLUMNS = `id, time_ms, request_time_ms, method, path, status, remote_addr, request_id,
         connection, attempts, request_junk, request`;
/** All of them, in the start index's order. */
export const SELECT_ALL_ACCESS_FOR_SWEEP = `
  SELECT ${ACCESS_SWEEP_COLUMNS}
  FROM nginx_access
  WHERE time_ms IS NOT NULL
  ORDER BY time_ms - coalesce(request_time_ms, 0), id`;
/**
 * Those ending from a point in time on. The unary + keeps the planner off the start index: without
 * statistics it would scan all of it to skip the sort, where the time index reads only the range.
 */
export const SELECT_ACCESS_FOR_SWEEP = `
  SELECT ${ACCESS_SWEEP_COLUMNS}
  FROM nginx_access
  WHERE time_ms IS NOT NULL AND time_ms >= ?
  ORDER BY +(time_ms - coalesce(request_time_ms, 0)), id`;

/** App records in handler-start order (end − elapsed), on the app's own clock; all, or from a time on (as above). */
const APP_SWEEP_COLUMNS = 'id, kind, format, time_ms, elapsed_ms, method, path, status, pid, request_id';
export const SELECT_ALL_APP_FOR_SWEEP = `
  SELECT ${APP_SWEEP_COLUMNS}
  FROM app_requests
  WHERE time_ms IS NOT NULL
  ORDER BY time_ms - coalesce(elapsed_ms, 0), id`;
export const SELECT_APP_FOR_SWEEP = `
  SELECT ${APP_SWEEP_COLUMNS}
  FROM app_requests
  WHERE time_ms IS NOT NULL AND time_ms >= ?
  ORDER BY +(time_ms - coalesce(elapsed_ms, 0)), id`;

/** Error-log lines on the access log's clock: `shift` is the error log's offset (a wrong --tz). */
export const SELECT_ERRORS_FOR_SWEEP = `
  SELECT id, time_ms - @shift AS time_ms, level, cid, kind, client, request, upstream, message
  FROM nginx_error
  WHERE time_ms IS NOT NULL AND time_ms >= @from + @shift AND request IS NOT NULL
  ORDER BY time_ms, id`;

/** Samples for the error log's clock offset against the access log: the same request line on both. */
export const SELECT_COINCIDENCE_ACCESS_REQUESTS = `
  SELECT request AS k, time_ms AS t FROM nginx_access WHERE time_ms IS NOT NULL AND request IS NOT NULL AND status >= 400
  ORDER BY id LIMIT 50000`;
export const SELECT_COINCIDENCE_ERRORS = `
  SELECT request AS k, time_ms AS t FROM nginx_error WHERE time_ms IS NOT NULL AND request IS NOT NULL
  ORDER BY id LIMIT 2000`;

/**
 * Migration 9: what supports each verdict (issue 15). Rows correlated before it read as evidence
 * unknown (null) until the next `correlate --rebuild`.
 */
export const EVIDENCE_MIGRATION = `
  ALTER TABLE request_verdicts ADD COLUMN keepalive_suspect INTEGER NOT NULL DEFAULT 0;  -- fits a keep-alive race nothing logged can confirm
  ALTER TABLE request_verdicts ADD COLUMN evidence_level TEXT;                          -- exact | inferred | cannot_tell (the verdict's)
  ALTER TABLE request_verdicts ADD COLUMN evidence TEXT;                                -- JSON: the verdict's and each flag's support
`;

export const ERROR_SKEW_MIGRATION = 'ALTER TABLE correlation_runs ADD COLUMN error_skew_ms INTEGER';
export const SET_RUN_ERROR_SKEW = 'UPDATE correlation_runs SET error_skew_ms = ? WHERE id = ?';

/** Worker deaths and boots: few rows, loaded whole. */
export const SELECT_WORKER_EVENTS = `
  SELECT id, time_ms, event, pid, worker_pid, signal, exit_code, message
  FROM server_log
  WHERE event IN ('worker_timeout', 'worker_signaled', 'worker_killed', 'worker_exited', 'worker_aborted', 'booting_worker')
    AND time_ms IS NOT NULL
  ORDER BY time_ms, id`;

/**
 * The app server's starts, stops and worker boots, for the deaths no line names (correlate.ts
 * keeps the starts that follow no logged stop and are no gunicorn worker's boot). Few rows: the
 * events are rare, and the event filter is cheap next to the sweep.
 */
export const SELECT_SERVER_LIFECYCLE = `
  SELECT id, time_ms, event, worker_pid, coalesce(worker_pid, pid) AS pid, message
  FROM server_log
  WHERE time_ms IS NOT NULL AND (event IN ('starting', 'server_started', 'booting_worker', 'shutting_down', 'handling_signal')
    OR (event = 'app_shutdown' AND message = 'Shutting down'))
  ORDER BY time_ms, id`;

/**
 * Request-id pairs for the clock-offset estimate: app end − nginx end, completed handlers only.
 * The app's rows lead (CROSS JOIN fixes that order): every `stride`-th id from the first, fetched by
 * rowid (no scan), each looked up in nginx's request-id index. A sample spread over the whole time
 * range, and no request-id index on app_requests to build at every ingest (it cost a third of the
 * index builds: docs/performance.md).
 * Asked only when nginx logged request ids (SELECT_ACCESS_HAS_REQUEST_ID), or every app row would
 * be looked up for nothing.
 */
export const SELECT_SKEW_SAMPLES = `
  WITH RECURSIVE pick(id) AS (
    SELECT min(id) FROM app_requests
    UNION ALL SELECT id + @stride FROM pick WHERE id + @stride <= (SELECT max(id) FROM app_requests))
  SELECT ap.time_ms - a.time_ms AS d
  FROM pick CROSS JOIN app_requests ap ON ap.id = pick.id CROSS JOIN nginx_access a ON a.request_id = ap.request_id
  WHERE ap.request_id IS NOT NULL AND a.time_ms IS NOT NULL AND ap.time_ms IS NOT NULL
    AND a.status < 499 AND coalesce(a.attempt_count, 1) = 1
  LIMIT 20000`;
export const SELECT_ACCESS_HAS_REQUEST_ID = 'SELECT EXISTS (SELECT 1 FROM nginx_access WHERE request_id IS NOT NULL) AS yes';
/** The app rows' id span, from the rowid's ends (no scan): the sample's stride. */
export const SELECT_APP_ID_SPAN = 'SELECT coalesce((SELECT max(id) FROM app_requests) - (SELECT min(id) FROM app_requests) + 1, 0) AS span';
/** About this many app rows are offered to the skew sample, evenly spaced. */
export const SKEW_CANDIDATES = 20_000;

/** Migration 10: the request-id index on app rows goes (see SELECT_SKEW_SAMPLES). */
export const DROP_APP_REQUEST_ID_INDEX_MIGRATION = 'DROP INDEX IF EXISTS app_requests_request_id';

export const DELETE_VERDICTS_FROM = 'DELETE FROM request_verdicts WHERE end_ms >= ?';

/**
 * A full rebuild empties the table (SQLite truncates it instead of deleting row by row) and drops
 * its indexes while the sweep writes a million rows, then builds them once from sorted data:
 * maintaining them per row cost more than half of the verdict inserts (docs/performance.md).
 * Same definitions as migration 2; `IF NOT EXISTS` so any run restores them after a killed rebuild.
 */
export const DELETE_ALL_VERDICTS = 'DELETE FROM request_verdicts';
/**
 * The load balancer's index on verdicts (LB_QUERY_INDEXES, lb.ts) goes and comes back with them: with
 * a second b-tree to write, SQLite keeps a statement journal for every INSERT OR REPLACE, and each
 * verdict row cost 4.3 µs instead of 2.6 (docs/performance.md).
 */
export const REQUEST_VERDICTS_LB_INDEX = 'CREATE INDEX IF NOT EXISTS request_verdicts_lb ON request_verdicts(lb_id) WHERE lb_id IS NOT NULL';
export const DROP_VERDICT_INDEXES = 'DROP INDEX IF EXISTS request_verdicts_end; DROP INDEX IF EXISTS request_verdicts_verdict; DROP INDEX IF EXISTS request_verdicts_lb;';
export const CREATE_VERDICT_INDEXES = `
  CREATE INDEX IF NOT EXISTS request_verdicts_end ON request_verdicts(end_ms);
  CREATE INDEX IF NOT EXISTS request_verdicts_verdict ON request_verdicts(verdict, end_ms);
  ${REQUEST_VERDICTS_LB_INDEX};`;

/**
 * request_verdicts' columns in the order the INSERT binds them; `text` ones are strings, the others
 * numbers (null either way). Verdict rows travel to the writer packed by this list (store/verdicts/verdict-batch.ts).
 */
export const VERDICT_COLUMNS = [
  ['access_id', 'number'], ['start_ms', 'number'], ['end_ms', 'number'], ['verdict', 'text'], ['silent', 'number'],
  ['wasted_work', 'number'], ['retried', 'number'], ['stalled', 'number'], ['keepalive_race', 'number'], ['app_id', 'number'],
  ['app_ids', 'text'], ['app_match', 'text'], ['app_confidence', 'number'], ['app_status', 'number'], ['app_elapsed_ms', 'number'],
  ['app_pid', 'number'], ['app_completed', 'number'], ['app_end_ms', 'number'], ['worker_event_id', 'number'], ['worker_pid', 'number'],
  ['worker_event', 'text'], ['worker_time_ms', 'number'], ['error_ids', 'text'], ['attempts', 'text'], ['stalled_by', 'number'],
  ['wasted_ms', 'number'], ['explanation', 'text'], ['keepalive_suspect', 'number'], ['evidence_level', 'text'], ['evidence', 'text'],
] as const satisfies readonly (readonly [string, 'number' | 'text'])[];

/** Bound by position: named parameters are looked up by name for every row and value. */
export const INSERT_VERDICT = `INSERT OR REPLACE INTO request_verdicts (${VERDICT_COLUMNS.map(([name]) => name).join(', ')})
  VALUES (${VERDICT_COLUMNS.map(() => '?').join(', ')})`;

/** App records already owned by kept verdicts just before an incremental run's start. */
export const SELECT_USED_APP_IDS = `
  SELECT app_ids FROM request_verdicts WHERE app_ids IS NOT NULL AND end_ms >= ? AND end_ms < ?`;

/** Samples for the coarse clock-offset search: ends of requests by method and path, both sides. */
export const SELECT_COINCIDENCE_ACCESS = `
  SELECT method, path, time_ms AS t FROM nginx_access WHERE time_ms IS NOT NULL AND method IS NOT NULL
  ORDER BY id LIMIT 50000`;
export const SELECT_COINCIDENCE_APP = `
  SELECT method, path, time_ms AS t FROM app_requests WHERE time_ms IS NOT NULL AND kind <> 'failed'
  ORDER BY id LIMIT 2000`;

export const INSERT_RUN = 'INSERT INTO correlation_runs (started_ms, from_ms, app_skew_ms, skew_samples) VALUES (?,?,?,?)';
export const FINISH_RUN = 'UPDATE correlation_runs SET finished_ms = ?, requests = ?, notes = ? WHERE id = ?';

/** Requests whose handler ran on a known worker pid, per worker in order of the handler's end. */
export const SELECT_STALL_CANDIDATES = `
  SELECT access_id, app_pid AS pid, start_ms, end_ms, app_end_ms, app_elapsed_ms
  FROM request_verdicts
  WHERE app_pid IS NOT NULL AND app_end_ms IS NOT NULL AND app_completed = 1 AND end_ms >= ?
  ORDER BY app_pid, app_end_ms`;
/** The same, for the workers listed (a JSON array of pids): only a worker with a long handler can have stalled. */
export const SELECT_STALL_CANDIDATES_OF_PIDS = `
  SELECT access_id, app_pid AS pid, start_ms, end_ms, app_end_ms, app_elapsed_ms
  FROM request_verdicts
  WHERE app_pid IS NOT NULL AND app_end_ms IS NOT NULL AND app_completed = 1 AND end_ms >= ?
    AND app_pid IN (SELECT value FROM json_each(?))
  ORDER BY app_pid, app_end_ms`;
export const RESET_STALLS_FROM = 'UPDATE request_verdicts SET stalled = 0, stalled_by = NULL WHERE end_ms >= ? AND stalled = 1';
export const MARK_STALLED = 'UPDATE request_verdicts SET stalled = 1, stalled_by = ? WHERE access_id = ?';

/** The clock offsets the last correlation run found (for the report's "what the logs cannot tell"). */
export const SELECT_LAST_RUN_SKEWS = `
  SELECT app_skew_ms, error_skew_ms, notes FROM correlation_runs WHERE finished_ms IS NOT NULL ORDER BY id DESC LIMIT 1`;
