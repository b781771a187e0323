/** `droptrace trace`: finding requests, then every row that speaks of one, with its file:line. */
export const FIND_BY_ID = `SELECT a.id FROM nginx_access a WHERE a.id = ?`;
/** By request id: nginx's, or an id or trace id the load balancer logged (its request may be one nginx never logged). */
export const FIND_BY_REQUEST_ID = `WITH q(v) AS (SELECT ?)
  SELECT id FROM (
    SELECT a.id, a.time_ms FROM nginx_access a, q WHERE a.request_id = q.v
    UNION SELECT r.access_id, r.end_ms FROM lb_access l JOIN request_verdicts r ON r.lb_id = l.id, q WHERE l.request_id = q.v OR l.trace_id = q.v)
  ORDER BY time_ms, id`;
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
export const TRACE_LIST = `WITH q(ids) AS (SELECT ?)
  SELECT * FROM (
    SELECT a.id, a.time_ms, a.method, a.uri, a.status, v.verdict, f.path AS file, a.line_no
    FROM nginx_access a JOIN files f ON f.id = a.file_id LEFT JOIN request_verdicts v ON v.access_id = a.id
    WHERE a.id IN (SELECT value FROM json_each((SELECT ids FROM q)))
    UNION ALL
    SELECT v.access_id, l.time_ms, l.method, l.uri, l.status, v.verdict, f.path, l.line_no
    FROM request_verdicts v JOIN lb_access l ON l.id = v.lb_id JOIN files f ON f.id = l.file_id
    WHERE v.access_id < 0 AND v.access_id IN (SELECT value FROM json_each((SELECT ids FROM q))))
  ORDER BY time_ms, id`;

/** The load balancer's line for a request (matched to nginx, or the only line of an LB-only request). */
export const TRACE_LB = `
  SELECT l.*, f.path AS file FROM lb_access l JOIN files f ON f.id = l.file_id
  WHERE l.id = (SELECT lb_id FROM request_verdicts WHERE access_id = ?)`;
/** A request only the load balancer logged: its verdict row. */
export const TRACE_LB_ONLY = `
  SELECT v.*, l.uri FROM request_verdicts v JOIN lb_access l ON l.id = v.lb_id WHERE v.access_id = ? AND v.access_id < 0`;
