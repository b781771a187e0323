/**
 * The report's other layers in a time range: gunicorn's worker deaths (the incidents) and nginx's
 * error lines (the timeline). Row types: ReportWorkerEventRow, ReportErrorRow.
 */
import type { WorkerEventRow } from '../sweep-rows.js';

export const SELECT_REPORT_WORKER_EVENTS = `
  SELECT s.id, s.time_ms, s.event, s.pid, s.worker_pid, s.signal, s.exit_code, s.message, f.path AS file, s.line_no
  FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE s.event IN ('worker_timeout', 'worker_signaled', 'worker_killed', 'worker_exited', 'worker_aborted')
    AND s.time_ms >= @from AND s.time_ms < @to
  ORDER BY s.time_ms, s.id`;

/** A worker event as the sweep reads it, with its file's path. */
export interface ReportWorkerEventRow extends WorkerEventRow {
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

/** What the app server's own log says about it: gunicorn or uvicorn alone, version, worker class, boots. */
export const SELECT_APP_SERVER_FACTS = `
  SELECT
    (SELECT count(*) FROM server_log WHERE source = 'gunicorn') AS gunicorn_lines,
    (SELECT count(*) FROM server_log WHERE source = 'uvicorn') AS uvicorn_lines,
    (SELECT substr(message, 19) FROM server_log WHERE event = 'starting' ORDER BY time_ms, id LIMIT 1) AS gunicorn_version,
    (SELECT substr(message, 15) FROM server_log WHERE event = 'using_worker' ORDER BY time_ms DESC, id DESC LIMIT 1) AS worker_class,
    (SELECT count(*) FROM server_log WHERE event = 'booting_worker') AS boots`;

export interface AppServerFactsRow {
  readonly gunicorn_lines: number;
  readonly uvicorn_lines: number;
  /** "20.1.0" from "Starting gunicorn 20.1.0" */
  readonly gunicorn_version: string | null;
  /** "uvicorn.workers.UvicornWorker" from "Using worker: …" */
  readonly worker_class: string | null;
  readonly boots: number;
}

/**
 * The app server's stops and starts in a range: gunicorn's master handling a signal, shutting down
 * and starting, uvicorn's server processes starting and finishing. A restart window is read from them.
 */
export const SELECT_REPORT_LIFECYCLE = `
  SELECT s.id, s.time_ms, s.event, s.pid, s.worker_pid, s.signal, s.exit_code, s.message, f.path AS file, s.line_no
  FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE s.event IN ('handling_signal', 'shutting_down', 'starting', 'listening', 'server_started', 'app_shutdown')
    AND s.time_ms >= @from AND s.time_ms < @to
  ORDER BY s.time_ms, s.id`;
