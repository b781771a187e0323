/** `droptrace trace`: finding requests, then every row that speaks of one, with its file:line. */
export const FIND_BY_ID = `SELECT a.id FROM nginx_access a WHERE a.id = ?`;
export const FIND_BY_REQUEST_ID = `SELECT a.id FROM nginx_access a WHERE a.request_id = ? ORDER BY a.time_ms, a.id`;
export const FIND_BY_URI = `SELECT a.id FROM nginx_access a WHERE instr(a.uri, ?) > 0 ORDER BY a.time_ms, a.id`;

export const TRACE_ACCESS = `
  SELECT a.*, f.path AS file, v.verdict, v.explanation, v.error_ids, v.app_ids, v.worker_event_id, v.start_ms,
         v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race, v.stalled_by, v.attempts AS attempt_outcomes,
         v.app_match, v.app_confidence, v.evidence, v.keepalive_suspect
  FROM nginx_access a JOIN files f ON f.id = a.file_id LEFT JOIN request_verdicts v ON v.access_id = a.id
  WHERE a.id = ?`;
export const TRACE_APP = `
  SELECT ap.*, f.path AS file FROM app_requests ap JOIN files f ON f.id = ap.file_id
  WHERE ap.id IN (SELECT value FROM json_each(?))`;
export const TRACE_ERRORS = `
  SELECT e.*, f.path AS file FROM nginx_error e JOIN files f ON f.id = e.file_id
  WHERE e.id IN (SELECT value FROM json_each(?))`;
/** gunicorn's lines about one worker around its death: the timeout, the kill, the replacement. */
export const TRACE_WORKER = `
  SELECT s.*, f.path AS file FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE (s.worker_pid = @pid OR s.pid = @pid) AND s.time_ms BETWEEN @t - 5000 AND @t + 5000
    AND s.source = 'gunicorn'
  ORDER BY s.time_ms, s.id LIMIT 20`;
export const TRACE_WORKER_EVENT = `SELECT worker_pid, time_ms FROM server_log WHERE id = ?`;
/** One line per matching request, for `trace` when several match: every one is listed. */
export const TRACE_LIST = `
  SELECT a.id, a.time_ms, a.method, a.uri, a.status, v.verdict, f.path AS file, a.line_no
  FROM nginx_access a JOIN files f ON f.id = a.file_id LEFT JOIN request_verdicts v ON v.access_id = a.id
  WHERE a.id IN (SELECT value FROM json_each(?))
  ORDER BY a.time_ms, a.id`;
