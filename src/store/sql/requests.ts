/**
 * The per-request export (`droptrace requests`): verdicts joined with the access line, the error-log
 * lines, the app server's access line joined to it (app_server) and the provenance. Row type: Row in
 * src/requests.ts.
 */
export const SELECT_REQUESTS = `
  SELECT v.access_id AS id, v.start_ms, v.end_ms, a.method, a.uri, a.path, a.status, a.request_id,
         a.request_time_ms, a.attempts AS logged_attempts, v.attempts AS attempt_outcomes,
         v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race,
         v.app_id, v.app_status, v.app_elapsed_ms, v.app_pid, v.app_completed, v.app_match, v.app_confidence,
         v.app_end_ms, v.worker_pid, v.worker_event, v.worker_time_ms, v.stalled_by, v.wasted_ms, v.explanation,
         v.keepalive_suspect, v.evidence, a.remote_addr, f.host, f.path AS file, a.line_no,
         (SELECT json_group_array(json_object('level', e.level, 'kind', e.kind, 'message', e.message, 'id', e.id))
            FROM json_each(v.error_ids) j JOIN nginx_error e ON e.id = j.value) AS error_log,
         (SELECT json_object('status', s.status, 'time_ms', s.time_ms, 'elapsed_ms', s.elapsed_ms, 'pid', s.pid, 'client', s.client,
                             'logger', s.logger, 'request_id', s.request_id, 'file', sf.path, 'line', s.line_no)
            FROM json_each(v.app_ids) j JOIN app_requests s ON s.id = j.value JOIN files sf ON sf.id = s.file_id
            WHERE s.kind = 'access' ORDER BY s.id LIMIT 1) AS app_server
  FROM request_verdicts v
  JOIN nginx_access a ON a.id = v.access_id
  JOIN files f ON f.id = a.file_id
  WHERE v.end_ms >= @from AND v.end_ms < @to AND (@verdict IS NULL OR v.verdict = @verdict)
    AND (@failed = 0 OR v.verdict IN (SELECT value FROM json_each(@failed_verdicts)))
    AND (@silent = 0 OR v.silent = 1)
    AND (@flag IS NULL
      OR (@flag = 'silent' AND v.silent = 1) OR (@flag = 'wasted_work' AND v.wasted_work = 1) OR (@flag = 'retried' AND v.retried = 1)
      OR (@flag = 'stalled' AND v.stalled = 1) OR (@flag = 'keepalive_race' AND v.keepalive_race = 1)
      OR (@flag = 'keepalive_race_possible' AND v.keepalive_suspect = 1))
  ORDER BY v.end_ms, v.access_id`;
