/**
 * The per-request export (`droptrace requests`): verdicts joined with the access line, the load
 * balancer's line (a request only the LB logged has no access line), the error-log lines, the app
 * server's access line joined to it (app_server) and the provenance. Row type: RequestRow in
 * src/lookup/requests.ts.
 */
import { FLAG_IDS } from '../../domain/verdicts.js';

/** `--flag NAME`: each flag is a 0/1 column of request_verdicts named as in FLAGS. */
const FLAG_FILTER = FLAG_IDS.map((f) => `(@flag = '${f}' AND v.${f} = 1)`).join(' OR ');

export const SELECT_REQUESTS = `
  SELECT v.access_id AS id, v.start_ms, v.end_ms, coalesce(a.method, l.method) AS method, coalesce(a.uri, l.uri) AS uri,
         coalesce(a.path, l.path) AS path, coalesce(a.status, l.status) AS status, a.request_id,
         a.request_time_ms, a.attempts AS logged_attempts, v.attempts AS attempt_outcomes,
         v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race,
         v.app_id, v.app_status, v.app_elapsed_ms, v.app_pid, v.app_completed, v.app_match, v.app_confidence,
         v.app_end_ms, v.worker_pid, v.worker_event, v.worker_time_ms, v.stalled_by, v.wasted_ms, v.explanation,
         v.keepalive_suspect, v.evidence,
         coalesce(a.remote_addr, l.client_addr) AS remote_addr, coalesce(f.host, lf.host) AS host,
         coalesce(f.path, lf.path) AS file, coalesce(a.line_no, l.line_no) AS line_no,
         a.id AS nginx_id, a.status AS nginx_status, a.request_time_ms AS nginx_request_time_ms, f.path AS nginx_file, a.line_no AS nginx_line,
         l.id AS lb_id, l.kind AS lb_kind, l.status AS lb_status, l.target_status AS lb_target_status, l.elapsed_ms AS lb_elapsed_ms,
         l.termination AS lb_termination, v.lb_match, lf.path AS lb_file, l.line_no AS lb_line,
         (SELECT json_group_array(json_object('level', e.level, 'kind', e.kind, 'message', e.message, 'id', e.id))
            FROM json_each(v.error_ids) j JOIN nginx_error e ON e.id = j.value) AS error_log,
         (SELECT json_object('status', s.status, 'time_ms', s.time_ms, 'elapsed_ms', s.elapsed_ms, 'pid', s.pid, 'client', s.client,
                             'logger', s.logger, 'request_id', s.request_id, 'file', sf.path, 'line', s.line_no)
            FROM json_each(v.app_ids) j JOIN app_requests s ON s.id = j.value JOIN files sf ON sf.id = s.file_id
            WHERE s.kind = 'access' ORDER BY s.id LIMIT 1) AS app_server
  FROM request_verdicts v
  LEFT JOIN nginx_access a ON a.id = v.access_id
  LEFT JOIN files f ON f.id = a.file_id
  LEFT JOIN lb_access l ON l.id = v.lb_id
  LEFT JOIN files lf ON lf.id = l.file_id
  WHERE v.end_ms >= @from AND v.end_ms < @to AND (@verdict IS NULL OR v.verdict = @verdict)
    AND (@failed = 0 OR v.verdict IN (SELECT value FROM json_each(@failed_verdicts)))
    AND (@silent = 0 OR v.silent = 1)
    AND (@flag IS NULL OR ${FLAG_FILTER}
      OR (@flag = 'keepalive_race_possible' AND v.keepalive_suspect = 1))
  ORDER BY v.end_ms, v.access_id`;
