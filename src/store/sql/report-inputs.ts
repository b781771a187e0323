/**
 * What the ingested logs can tell at all: which sources exist and which fields their lines carried.
 * The report's "what the logs cannot tell" section is built from these counts (data, not the format
 * strings: a JSON format may name its keys anything). Row types beside each query.
 */
export const SELECT_REPORT_FILES = `
  SELECT id, path, type, format, tz, records, rejected FROM files ORDER BY id`;

export interface ReportFileRow {
  readonly id: number;
  readonly path: string;
  readonly tz: string | null;
  readonly type: string;
  readonly format: string | null;
  readonly records: number;
  readonly rejected: number;
}

export const SELECT_ACCESS_CAPABILITIES = `
  SELECT count(*) AS n, count(request_time_ms) AS with_time, count(attempts) AS with_upstream,
         count(request_id) AS with_request_id
  FROM nginx_access`;

export interface AccessCapabilityRow {
  readonly n: number;
  readonly with_time: number;
  readonly with_upstream: number;
  readonly with_request_id: number;
}

/** nginx logs "client prematurely closed connection" (the context of a 499) at info level only. */
export const SELECT_ERROR_CAPABILITIES = `
  SELECT count(*) AS n, coalesce(sum(level IN ('info', 'notice', 'debug')), 0) AS info FROM nginx_error`;

export interface ErrorCapabilityRow {
  readonly n: number;
  readonly info: number;
}

export const SELECT_APP_CAPABILITIES = `
  SELECT count(*) AS n, count(pid) AS with_pid, count(request_id) AS with_request_id,
         coalesce(sum(kind = 'request'), 0) AS every_request
  FROM app_requests`;

export interface AppCapabilityRow {
  readonly n: number;
  readonly with_pid: number;
  readonly with_request_id: number;
  readonly every_request: number;
}

export const SELECT_SERVER_CAPABILITIES = `
  SELECT count(*) AS n, coalesce(sum(source = 'gunicorn'), 0) AS gunicorn FROM server_log`;

export interface ServerCapabilityRow {
  readonly n: number;
  readonly gunicorn: number;
}
