/**
 * The report's other layers in a time range: gunicorn's worker deaths (the incidents) and nginx's
 * error lines (the timeline). Row types: ReportWorkerEventRow, ReportErrorRow.
 */
export const SELECT_REPORT_WORKER_EVENTS = `
  SELECT s.id, s.time_ms, s.event, s.pid, s.worker_pid, s.signal, s.exit_code, s.message, f.path AS file, s.line_no
  FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE s.event IN ('worker_timeout', 'worker_signaled', 'worker_killed', 'worker_exited', 'worker_aborted')
    AND s.time_ms >= @from AND s.time_ms < @to
  ORDER BY s.time_ms, s.id`;

export interface ReportWorkerEventRow {
  readonly id: number;
  readonly time_ms: number;
  readonly event: string;
  readonly pid: number | null;
  readonly worker_pid: number | null;
  readonly signal: number | null;
  readonly exit_code: number | null;
  readonly message: string;
  readonly file: string;
  readonly line_no: number;
}

/** Worker boots in a range: the replacement after a death. */
export const SELECT_REPORT_BOOTS = `
  SELECT s.id, s.time_ms, s.event, s.pid, s.worker_pid, s.signal, s.exit_code, s.message, f.path AS file, s.line_no
  FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE s.event = 'booting_worker' AND s.time_ms >= @from AND s.time_ms < @to
  ORDER BY s.time_ms, s.id`;

/** nginx error-log lines in a range, warn and worse plus the info lines that explain a 499. */
export const SELECT_REPORT_ERRORS = `
  SELECT e.id, e.time_ms, e.level, e.kind, e.message, e.upstream, e.request, f.path AS file, e.line_no
  FROM nginx_error e JOIN files f ON f.id = e.file_id
  WHERE e.time_ms >= @from AND e.time_ms < @to
  ORDER BY e.time_ms, e.id
  LIMIT @limit`;

export interface ReportErrorRow {
  readonly id: number;
  readonly time_ms: number;
  readonly level: string;
  readonly kind: string;
  readonly message: string;
  readonly upstream: string | null;
  readonly request: string | null;
  readonly file: string;
  readonly line_no: number;
}
