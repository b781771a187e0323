/**
 * What is correlated and what is not yet. `droptrace ingest` stores rows only; the commands that
 * read verdicts correlate what arrived since the last correlation first. `correlation_marks` holds,
 * per log table, the highest row id the last correlation covered: rows above it are pending, and the
 * earliest time they can affect is where the incremental correlation starts.
 */
export const CORRELATION_MARKS_MIGRATION = `
  CREATE TABLE correlation_marks (
    id            INTEGER PRIMARY KEY CHECK (id = 1),  -- one row
    nginx_access  INTEGER NOT NULL,   -- highest nginx_access.id the last correlation covered
    nginx_error   INTEGER NOT NULL,
    server_log    INTEGER NOT NULL,
    app_requests  INTEGER NOT NULL
  );
  -- Databases from before this migration were correlated after every ingest: what they hold is
  -- covered, unless no verdict exists at all (ingested through the library only).
  INSERT INTO correlation_marks
  SELECT 1,
    CASE WHEN v.has_verdicts THEN (SELECT coalesce(max(id), 0) FROM nginx_access) ELSE 0 END,
    CASE WHEN v.has_verdicts THEN (SELECT coalesce(max(id), 0) FROM nginx_error) ELSE 0 END,
    CASE WHEN v.has_verdicts THEN (SELECT coalesce(max(id), 0) FROM server_log) ELSE 0 END,
    CASE WHEN v.has_verdicts THEN (SELECT coalesce(max(id), 0) FROM app_requests) ELSE 0 END
  FROM (SELECT EXISTS (SELECT 1 FROM request_verdicts) AS has_verdicts) v;
`;

/** The highest row id per log table; also the shape of a correlation mark. */
export interface TableIds {
  readonly nginx_access: number;
  readonly nginx_error: number;
  readonly server_log: number;
  readonly app_requests: number;
  readonly lb_access: number;
}

export const MAX_IDS = `SELECT
  (SELECT coalesce(max(id), 0) FROM nginx_access) AS nginx_access,
  (SELECT coalesce(max(id), 0) FROM nginx_error) AS nginx_error,
  (SELECT coalesce(max(id), 0) FROM server_log) AS server_log,
  (SELECT coalesce(max(id), 0) FROM app_requests) AS app_requests,
  (SELECT coalesce(max(id), 0) FROM lb_access) AS lb_access`;

export const SELECT_CORRELATION_MARK = 'SELECT nginx_access, nginx_error, server_log, app_requests, lb_access FROM correlation_marks WHERE id = 1';
export const SET_CORRELATION_MARK = `UPDATE correlation_marks SET nginx_access = @nginx_access, nginx_error = @nginx_error,
  server_log = @server_log, app_requests = @app_requests, lb_access = @lb_access WHERE id = 1`;

/**
 * The earliest request end a new row can change: an access line its own end; an error line a
 * request ending after it; a worker death a request ending just after it; an app record any request
 * that was running when its handler started.
 */
export const EARLIEST_AFFECTED = `SELECT min(t) AS t FROM (
  SELECT min(time_ms) AS t FROM nginx_access WHERE id > @nginx_access
  UNION ALL SELECT min(time_ms) FROM nginx_error WHERE id > @nginx_error
  UNION ALL SELECT min(time_ms) - 5000 FROM server_log WHERE id > @server_log
  UNION ALL SELECT min(time_ms - coalesce(elapsed_ms, 0)) - 5000 FROM app_requests WHERE id > @app_requests
  UNION ALL SELECT min(coalesce(start_ms, time_ms)) - 5000 FROM lb_access WHERE id > @lb_access)`;

/** Whether any verdict exists yet: the first correlation of a database is a full one. */
export const HAS_VERDICTS = 'SELECT 1 FROM request_verdicts LIMIT 1';
