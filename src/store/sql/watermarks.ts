/**
 * What an ingest added: the highest row id per log table before it, and the earliest time the new
 * rows can affect. Incremental correlation starts there.
 */
export const MAX_IDS = `SELECT
  (SELECT coalesce(max(id), 0) FROM nginx_access) AS nginx_access,
  (SELECT coalesce(max(id), 0) FROM nginx_error) AS nginx_error,
  (SELECT coalesce(max(id), 0) FROM server_log) AS server_log,
  (SELECT coalesce(max(id), 0) FROM app_requests) AS app_requests`;

/**
 * The earliest request end a new row can change: an access line its own end; an error line a
 * request ending after it; a worker death a request ending just after it; an app record any request
 * that was running when its handler started.
 */
export const EARLIEST_AFFECTED = `SELECT min(t) AS t FROM (
  SELECT min(time_ms) AS t FROM nginx_access WHERE id > @nginx_access
  UNION ALL SELECT min(time_ms) FROM nginx_error WHERE id > @nginx_error
  UNION ALL SELECT min(time_ms) - 5000 FROM server_log WHERE id > @server_log
  UNION ALL SELECT min(time_ms - coalesce(elapsed_ms, 0)) - 5000 FROM app_requests WHERE id > @app_requests)`;

/** Whether any verdict exists yet: the first correlation of a database is a full one. */
export const HAS_VERDICTS = 'SELECT 1 FROM request_verdicts LIMIT 1';
