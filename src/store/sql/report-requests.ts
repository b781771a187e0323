/**
 * The report's one pass over the requests: every correlated request in the window (by nginx's end
 * time) after a since-last mark, with the access line's fields and its provenance. Row type:
 * ReportRequestRow. Ordered by end so the report's sections read in time order.
 */
export const SELECT_REPORT_REQUESTS = `
  SELECT v.access_id AS id, v.start_ms, v.end_ms, a.method, a.uri, a.path, a.status, a.request_time_ms,
         a.user_agent, a.request_id, v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race,
         v.app_pid, v.app_elapsed_ms, v.app_completed, v.app_end_ms, v.worker_event_id, v.worker_pid,
         v.attempts, v.stalled_by, v.wasted_ms, v.explanation, f.path AS file, a.line_no
  FROM request_verdicts v
  JOIN nginx_access a ON a.id = v.access_id
  JOIN files f ON f.id = a.file_id
  WHERE v.end_ms >= @from AND v.end_ms < @to AND v.access_id > @after_id
  ORDER BY v.end_ms, v.access_id`;

export interface ReportRequestRow {
  readonly id: number;
  readonly start_ms: number | null;
  readonly end_ms: number;
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly request_time_ms: number | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly verdict: string;
  readonly silent: number;
  readonly wasted_work: number;
  readonly retried: number;
  readonly stalled: number;
  readonly keepalive_race: number;
  readonly app_pid: number | null;
  readonly app_elapsed_ms: number | null;
  readonly app_completed: number | null;
  readonly app_end_ms: number | null;
  readonly worker_event_id: number | null;
  readonly worker_pid: number | null;
  /** JSON [{status, addr, response_ms, outcome, worker_pid, worker_event_id}] */
  readonly attempts: string | null;
  readonly stalled_by: number | null;
  readonly wasted_ms: number | null;
  readonly explanation: string;
  readonly file: string;
  readonly line_no: number;
}

/** The highest request id correlated so far: what a since-last mark records. */
export const SELECT_MAX_VERDICT_ID = 'SELECT coalesce(max(access_id), 0) AS id FROM request_verdicts';

/** An app record that blocked an event loop but matched no nginx request (stalled_by = −app id). */
export const SELECT_APP_BLOCKER = `
  SELECT ap.id, ap.time_ms, ap.method, ap.path, ap.elapsed_ms, ap.pid, f.path AS file, ap.line_no
  FROM app_requests ap JOIN files f ON f.id = ap.file_id WHERE ap.id = ?`;

export interface AppBlockerRow {
  readonly id: number;
  readonly time_ms: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly elapsed_ms: number | null;
  readonly pid: number | null;
  readonly file: string;
  readonly line_no: number;
}
