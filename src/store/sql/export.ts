/**
 * What `droptrace export` reads of a shard's database: the requests it owns (those that ended in its
 * window; everything without one), with the `requests` contract's columns and the raw ones the fleet
 * report needs; the other layers' lines it owns (incidents); its inputs with what their lines could
 * tell. Rows without a time are owned only by a shard without a window (coalesce to 1970).
 * @from/@to: the owned window.
 */
import { SELECT_REQUESTS } from './requests.js';
import type { FileRow } from '../files.js';

/**
 * SELECT_REQUESTS (the `requests` contract's rows, read by toRecord) over owned requests, plus the
 * raw columns the fleet report rebuilds its tallies from. Wrapping it keeps every contract column
 * the contract's query gains.
 */
export const EXPORT_REQUESTS = `
  SELECT q.*, coalesce(a.user_agent, lx.user_agent) AS user_agent, v.worker_event_id, a.file_id, v.evidence_level,
         lx.time_ms AS lb_time_ms,
         -- shard-local ids of other rows, as file:line (the row may be another shard's: a blocker or a death in the overlap)
         CASE WHEN v.stalled_by > 0 THEN (SELECT fx.path FROM nginx_access x JOIN files fx ON fx.id = x.file_id WHERE x.id = v.stalled_by)
              WHEN v.stalled_by < 0 THEN (SELECT fx.path FROM app_requests x JOIN files fx ON fx.id = x.file_id WHERE x.id = -v.stalled_by) END AS stalled_by_file,
         CASE WHEN v.stalled_by > 0 THEN (SELECT x.line_no FROM nginx_access x WHERE x.id = v.stalled_by)
              WHEN v.stalled_by < 0 THEN (SELECT x.line_no FROM app_requests x WHERE x.id = -v.stalled_by) END AS stalled_by_line,
         (SELECT fx.path FROM server_log x JOIN files fx ON fx.id = x.file_id WHERE x.id = v.worker_event_id) AS worker_event_file,
         (SELECT x.line_no FROM server_log x WHERE x.id = v.worker_event_id) AS worker_event_line
  FROM (${SELECT_REQUESTS}) q
  JOIN request_verdicts v ON v.access_id = q.id
  LEFT JOIN nginx_access a ON a.id = q.id
  LEFT JOIN lb_access lx ON lx.id = v.lb_id
  ORDER BY q.end_ms, q.id`;

/** SELECT_REQUESTS' filters, all off. */
export const ALL_REQUESTS = { verdict: null, failed: 0, failed_verdicts: '[]', silent: 0, flag: null } as const;

/**
 * The app server's own lines (gunicorn's and uvicorn's: worker deaths and boots, starts, signals —
 * the report reads its incidents, restarts and facts from them; not uvicorn's per-request access
 * lines, which the requests carry as app_server), nginx's error lines, and the app records that
 * blocked an event loop.
 */
export const EXPORT_INCIDENTS = `
  SELECT s.source AS layer, s.id, s.time_ms, s.event, s.level, s.pid, s.worker_pid, s.signal, s.exit_code, s.message,
         NULL AS upstream, NULL AS request, s.method, NULL AS path, NULL AS elapsed_ms, f.path AS file, s.file_id, s.line_no
  FROM server_log s JOIN files f ON f.id = s.file_id
  WHERE s.source IN ('gunicorn', 'uvicorn')
    AND coalesce(s.time_ms, 0) >= @from AND coalesce(s.time_ms, 0) < @to
  UNION ALL
  SELECT 'nginx', e.id, e.time_ms, e.kind, e.level, e.pid, NULL, NULL, NULL, e.message,
         e.upstream, e.request, e.method, e.path, NULL, f.path, e.file_id, e.line_no
  FROM nginx_error e JOIN files f ON f.id = e.file_id
  WHERE coalesce(e.time_ms, 0) >= @from AND coalesce(e.time_ms, 0) < @to
  UNION ALL
  SELECT 'app', ap.id, ap.time_ms, ap.kind, ap.level, ap.pid, NULL, NULL, NULL, coalesce(ap.error, ''),
         NULL, NULL, ap.method, ap.path, ap.elapsed_ms, f.path, ap.file_id, ap.line_no
  FROM app_requests ap JOIN files f ON f.id = ap.file_id
  WHERE ap.id IN (SELECT -stalled_by FROM request_verdicts WHERE stalled_by < 0 AND end_ms >= @from AND end_ms < @to)`;

export interface ExportIncidentRow {
  readonly layer: 'gunicorn' | 'uvicorn' | 'nginx' | 'app';
  readonly id: number;
  readonly time_ms: number | null;
  readonly event: string;
  readonly level: string | null;
  readonly pid: number | null;
  readonly worker_pid: number | null;
  readonly signal: number | null;
  readonly exit_code: number | null;
  readonly message: string;
  readonly upstream: string | null;
  readonly request: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly elapsed_ms: number | null;
  readonly file: string;
  readonly file_id: number;
  readonly line_no: number;
}

/**
 * The shard's audited chain (`analyze --nginx-conf/--cmd`, `audit --db`): every snapshot's settings,
 * in the order one database reads them (chain.ts, SELECT_CHAIN_SETTINGS). Not windowed: a snapshot
 * says what was configured, and every shard of a stack keeps the same one (the fleet report keeps one).
 */
export const EXPORT_CHAIN = `
  SELECT c.id AS snapshot_id, c.taken_ms, c.inputs, s.rowid AS seq, s.layer, s.server, s.location, s.setting, s.value_s, s.value, s.source
  FROM chain_settings s JOIN chain_snapshots c ON c.id = s.snapshot_id
  ORDER BY c.taken_ms, c.id, s.rowid`;

/** A worker death by its shard-local id, as file:line (an attempt's death may be another shard's row). */
export const SELECT_SERVER_LOG_SOURCE = 'SELECT f.path AS file, s.line_no AS line FROM server_log s JOIN files f ON f.id = s.file_id WHERE s.id = ?';

export const EXPORT_FILES = 'SELECT id, path, host, type, format, tz, records, rejected FROM files ORDER BY id';

/** The columns EXPORT_FILES reads: a slice of the files table's row. */
export type ExportFileRow = Pick<FileRow, 'id' | 'path' | 'host' | 'type' | 'format' | 'tz' | 'records' | 'rejected'>;

/** Per file, over owned rows: what the report's "what the logs cannot tell" counts (report-inputs.ts). */
export const EXPORT_ACCESS_CAPABILITIES = `
  SELECT file_id, count(*) AS access_n, count(request_time_ms) AS access_with_time, count(attempts) AS access_with_upstream,
         count(request_id) AS access_with_request_id
  FROM nginx_access WHERE coalesce(time_ms, 0) >= @from AND coalesce(time_ms, 0) < @to GROUP BY file_id`;
export const EXPORT_ERROR_CAPABILITIES = `
  SELECT file_id, count(*) AS error_n, coalesce(sum(level IN ('info', 'notice', 'debug')), 0) AS error_info
  FROM nginx_error WHERE coalesce(time_ms, 0) >= @from AND coalesce(time_ms, 0) < @to GROUP BY file_id`;
export const EXPORT_APP_CAPABILITIES = `
  SELECT file_id, count(*) AS app_n, count(pid) AS app_with_pid, count(request_id) AS app_with_request_id,
         coalesce(sum(kind = 'request'), 0) AS app_every_request
  FROM app_requests WHERE coalesce(time_ms, 0) >= @from AND coalesce(time_ms, 0) < @to GROUP BY file_id`;
export const EXPORT_SERVER_CAPABILITIES = `
  SELECT file_id, count(*) AS server_n, coalesce(sum(source = 'gunicorn'), 0) AS server_gunicorn
  FROM server_log WHERE coalesce(time_ms, 0) >= @from AND coalesce(time_ms, 0) < @to GROUP BY file_id`;
