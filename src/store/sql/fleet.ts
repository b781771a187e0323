/**
 * The fleet report's two halves of SQL. DuckDB, over the dataset's views (dataset.ts): number the
 * files, requests and incidents of every shard as one database would (stack, then file, then line),
 * and translate each shard's own ids (a blocker, a worker death) through their file:line. SQLite:
 * the rows those give, inserted into a scratch database with droptrace's schema, which the report
 * model then reads as it reads any other.
 */

/** The audited chain's settings of every shard, snapshot by snapshot in time order (report.ts keeps each snapshot once). */
export const SELECT_FLEET_CHAIN = `
  SELECT shard, snapshot_id, taken_ms, inputs, layer, server, location, setting, value_s, value, source
  FROM chain ORDER BY taken_ms, shard, snapshot_id, seq`;

/** Per-shard since-last marks, filled before the requests are numbered. */
export const CREATE_MARKS = 'CREATE OR REPLACE TABLE fleet_marks (shard VARCHAR, last_id BIGINT)';

/** A file is one (stack, path), whichever shards read it; ids in the order of the first shard and its file id. */
export const CREATE_FLEET_FILES = `
  CREATE OR REPLACE TABLE fleet_files AS
  SELECT row_number() OVER (ORDER BY min(shard), min(file_id)) AS gid, stack, path,
         any_value(host) AS host, any_value(type) AS type, any_value(format) AS format, any_value(tz) AS tz,
         max(records) AS records, max(rejected) AS rejected
  FROM inputs GROUP BY stack, path`;

/**
 * The requests a report covers (after each shard's mark), numbered by stack, file and line. A request
 * only the load balancer logged (id < 0) is in a report without a mark, as in one database's, and is
 * numbered as one database numbers it: −(its line's number among the LB's lines, by file and line).
 */
export const CREATE_FLEET_REQUESTS = `
  CREATE OR REPLACE TABLE fleet_requests AS
  WITH kept AS (
    SELECT r.shard, r.id, r.stack, r.file, r.line_no, r.lb_file, r.lb_line FROM requests r
    LEFT JOIN fleet_marks m ON m.shard = r.shard
    WHERE r.id > coalesce(m.last_id, 0) OR (r.id < 0 AND m.last_id IS NULL)),
  -- numbered on these narrow keys, then joined back: a window over the wide rows (their JSON) is held whole
  numbered AS (
    SELECT k.shard, k.id, row_number() OVER (ORDER BY f.gid, k.line_no, k.shard) AS gid, f.gid AS file_gid,
           CASE WHEN k.lb_line IS NOT NULL THEN dense_rank() OVER (ORDER BY lf.gid, k.lb_line) END AS lb_gid
    FROM kept k JOIN fleet_files f ON f.stack = k.stack AND f.path = k.file
    LEFT JOIN fleet_files lf ON lf.stack = k.stack AND lf.path = k.lb_file)
  SELECT n.gid, n.file_gid, n.lb_gid, r.* FROM numbered n JOIN requests r ON r.shard = n.shard AND r.id = n.id`;

/** Incidents once each (an app blocker can be cited by two shards), numbered per table (server_log, nginx, app) by file and line. */
export const CREATE_FLEET_INCIDENTS = `
  CREATE OR REPLACE TABLE fleet_incidents AS
  SELECT row_number() OVER (PARTITION BY CASE WHEN i.layer IN ('gunicorn', 'uvicorn') THEN 'server_log' ELSE i.layer END ORDER BY f.gid, i.line_no) AS gid, f.gid AS file_gid, i.*
  FROM (SELECT * FROM incidents QUALIFY row_number() OVER (PARTITION BY stack, layer, file, line_no ORDER BY shard) = 1) i
  JOIN fleet_files f ON f.stack = i.stack AND f.path = i.file`;

/** fleet_requests with every id translated: blockers and worker deaths through their file:line. */
export const SELECT_FLEET_REQUESTS = `
  SELECT r.gid, r.stack, r.file_gid, r.line_no, r.end_ms, r.start_ms, r.method, r.uri, r.path, r.status, r.request_time_ms,
         r.user_agent, r.request_id, r.logged_attempts, r.client, r.verdict, r.silent, r.wasted_work, r.retried,
         r.stalled, r.keepalive_race, r.app_pid, r.app_elapsed_ms, r.app_completed, r.app_end_ms,
         w.gid AS worker_event_gid, r.worker_pid, r.worker_event, r.worker_time_ms, r.attempt_outcomes,
         CASE WHEN r.stalled_by > 0 THEN sb.gid WHEN r.stalled_by < 0 THEN -ab.gid END AS stalled_by_gid,
         r.wasted_ms, r.explanation, r.keepalive_suspect, r.evidence_level, r.evidence_json,
         r.id < 0 AS lb_only, r.lb_gid, r.lb_kind, r.lb_time_ms, r.lb_status, r.lb_target_status, r.lb_elapsed_ms, r.lb_termination
  FROM fleet_requests r
  LEFT JOIN fleet_incidents w ON w.layer IN ('gunicorn', 'uvicorn') AND w.stack = r.stack AND w.file = r.worker_event_file AND w.line_no = r.worker_event_line
  LEFT JOIN fleet_requests sb ON sb.stack = r.stack AND sb.file = r.stalled_by_file AND sb.line_no = r.stalled_by_line
  LEFT JOIN fleet_incidents ab ON ab.layer = 'app' AND ab.stack = r.stack AND ab.file = r.stalled_by_file AND ab.line_no = r.stalled_by_line
  ORDER BY r.gid`;

export const SELECT_FLEET_INCIDENTS = `
  SELECT layer, gid, file_gid, line_no, time_ms, event, level, pid, worker_pid, signal, exit_code, message, upstream, request,
         method, path, elapsed_ms
  FROM fleet_incidents ORDER BY layer, gid`;

/** Worker deaths by file:line, to translate the deaths inside each request's attempts. */
export const SELECT_FLEET_DEATHS = `SELECT stack, file, line_no, gid FROM fleet_incidents WHERE layer IN ('gunicorn', 'uvicorn')`;

export const SELECT_FLEET_FILES = 'SELECT gid, path, host, type, format, tz, records, rejected FROM fleet_files ORDER BY gid';

/** The report's capability counts: every shard's owned lines, summed. */
export const SELECT_FLEET_CAPABILITIES = `
  SELECT coalesce(sum(access_n), 0) AS access_n, coalesce(sum(access_with_time), 0) AS access_with_time,
         coalesce(sum(access_with_upstream), 0) AS access_with_upstream, coalesce(sum(access_with_request_id), 0) AS access_with_request_id,
         coalesce(sum(error_n), 0) AS error_n, coalesce(sum(error_info), 0) AS error_info,
         coalesce(sum(app_n), 0) AS app_n, coalesce(sum(app_with_pid), 0) AS app_with_pid,
         coalesce(sum(app_with_request_id), 0) AS app_with_request_id, coalesce(sum(app_every_request), 0) AS app_every_request,
         coalesce(sum(server_n), 0) AS server_n, coalesce(sum(server_gunicorn), 0) AS server_gunicorn
  FROM inputs`;

/**
 * The clock offsets to report: a shard whose correlation found a whole-quarter-hour offset (a wrong
 * --tz) speaks for the fleet, since every shard read its logs with the same --tz.
 */
export const SELECT_FLEET_SKEWS = `
  SELECT max(app_skew_ms) FILTER (WHERE app_skew_ms % 900000 = 0 AND app_skew_ms <> 0) AS app_skew_ms,
         max(error_skew_ms) FILTER (WHERE error_skew_ms % 900000 = 0 AND error_skew_ms <> 0) AS error_skew_ms
  FROM (SELECT DISTINCT shard, app_skew_ms, error_skew_ms FROM inputs)`;

/** The highest request id each shard's report covered: the next since-last marks. */
export const SELECT_FLEET_COVERED = 'SELECT shard, coalesce(max(id) FILTER (WHERE id > 0), 0) AS last_id FROM fleet_requests GROUP BY shard';

// SQLite: the scratch database (schema.ts) filled with the rows above; columns not listed keep their defaults.
export const INSERT_FILE = `INSERT INTO files (id, path, host, type, format, tz, head_hash, head_len, records, rejected, first_ingested_ms, last_ingested_ms)
  VALUES (@gid, @path, @host, @type, @format, @tz, '', 0, @records, @rejected, 0, 0)`;
export const INSERT_ACCESS = `INSERT INTO nginx_access (id, file_id, line_no, offset, pattern, time_ms, method, uri, path, status, request_time_ms,
  user_agent, request_id, attempts, remote_addr)
  VALUES (@gid, @file_gid, @line_no, 0, 'dataset', @end_ms, @method, @uri, @path, @status, @request_time_ms, @user_agent, @request_id,
  @logged_attempts, @client)`;
/** A request only the load balancer logged: its line, numbered among the LB's lines (its verdict's access_id is −that). */
export const INSERT_LB_LINE = `INSERT INTO lb_access (id, file_id, line_no, offset, pattern, kind, time_ms, method, uri, path, status, target_status,
  elapsed_ms, termination, user_agent)
  VALUES (@lb_gid, @file_gid, @line_no, 0, 'dataset', coalesce(@lb_kind, ''), @lb_time_ms, @method, @uri, @path, @lb_status, @lb_target_status,
  @lb_elapsed_ms, @lb_termination, @user_agent)`;
/** @gid: the request's number, negative for a request only the LB logged (then @lb_id is its line). */
export const INSERT_VERDICT = `INSERT INTO request_verdicts (access_id, start_ms, end_ms, verdict, silent, wasted_work, retried, stalled, keepalive_race,
  app_pid, app_elapsed_ms, app_completed, app_end_ms, worker_event_id, worker_pid, worker_event, worker_time_ms, attempts, stalled_by, wasted_ms, explanation,
  keepalive_suspect, evidence_level, evidence, lb_id)
  VALUES (@gid, @start_ms, @end_ms, @verdict, @silent, @wasted_work, @retried, @stalled, @keepalive_race, @app_pid, @app_elapsed_ms,
  @app_completed, @app_end_ms, @worker_event_gid, @worker_pid, @worker_event, @worker_time_ms, @attempt_outcomes, @stalled_by_gid, @wasted_ms, @explanation,
  coalesce(@keepalive_suspect, 0), @evidence_level, @evidence_json, @lb_id)`;
export const INSERT_SERVER_EVENT = `INSERT INTO server_log (id, file_id, line_no, offset, pattern, source, event, time_ms, level, pid, worker_pid, signal, exit_code, message)
  VALUES (@gid, @file_gid, @line_no, 0, 'dataset', @layer, @event, @time_ms, @level, @pid, @worker_pid, @signal, @exit_code, @message)`;
export const INSERT_ERROR_LINE = `INSERT INTO nginx_error (id, file_id, line_no, offset, pattern, time_ms, level, pid, kind, message, upstream, request, method, path)
  VALUES (@gid, @file_gid, @line_no, 0, 'dataset', @time_ms, coalesce(@level, 'error'), @pid, @event, @message, @upstream, @request, @method, @path)`;
export const INSERT_APP_BLOCKER = `INSERT INTO app_requests (id, file_id, line_no, offset, pattern, kind, format, time_ms, level, pid, method, path, elapsed_ms)
  VALUES (@gid, @file_gid, @line_no, 0, 'dataset', @event, 'dataset', @time_ms, @level, @pid, @method, @path, @elapsed_ms)`;
export const INSERT_SKEWS = `INSERT INTO correlation_runs (started_ms, finished_ms, requests, app_skew_ms, error_skew_ms)
  VALUES (0, 0, 0, @app_skew_ms, @error_skew_ms)`;
export const INSERT_FLEET_MARK = 'INSERT INTO report_marks (created_ms, last_access_id, requests, format, revision_id) VALUES (?, 0, 0, NULL, 0)';
