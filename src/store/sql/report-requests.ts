/**
 * A request as the report reads it: the verdict, the access line's fields and its provenance; a request
 * only the load balancer logged (access_id < 0) reads the LB's line instead.
 */
const REPORT_REQUEST_FROM = `
  SELECT v.access_id AS id, v.start_ms, v.end_ms, coalesce(a.method, l.method) AS method, coalesce(a.uri, l.uri) AS uri,
         coalesce(a.path, l.path) AS path, coalesce(a.status, l.status) AS status,
         coalesce(a.request_time_ms, l.elapsed_ms) AS request_time_ms,
         coalesce(a.user_agent, l.user_agent) AS user_agent, a.request_id, v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race,
         v.app_pid, v.app_elapsed_ms, v.app_completed, v.app_end_ms, v.worker_event_id, v.worker_pid,
         v.attempts, v.stalled_by, v.wasted_ms, v.explanation, f.path AS file, coalesce(a.line_no, l.line_no) AS line_no,
         v.keepalive_suspect, v.evidence_level,
         l.kind AS lb_kind, l.status AS lb_status, l.target_status AS lb_target_status, l.target AS lb_target, l.termination AS lb_termination
  FROM request_verdicts v
  LEFT JOIN nginx_access a ON a.id = v.access_id
  LEFT JOIN lb_access l ON l.id = v.lb_id
  JOIN files f ON f.id = coalesce(a.file_id, l.file_id)`;
import { type Verdict, type FlagColumns } from '../../domain/verdicts.js';

// A request only the load balancer logged has access_id = −lb id: in every report without a since-last mark.
const IN_WINDOW = 'v.end_ms >= @from AND v.end_ms < @to AND (v.access_id > @after_id OR (v.access_id < 0 AND @after_id = 0))';

/**
 * The report's pass over the requests: every correlated request in the window (by nginx's end time)
 * after a since-last mark, ordered by end so the sections read in time order; iterated, never loaded
 * whole. Narrowed to what the report's tallies read (ReportPassRow, read as arrays in this column
 * order): every column costs on a million rows. The attempts JSON is only read when there
 * was a retry (what the incidents look for); the file is an id (model.ts names it).
 */
export const SELECT_REPORT_PASS = `
  SELECT v.access_id, v.start_ms, v.end_ms, coalesce(a.method, l.method), coalesce(a.uri, l.uri), coalesce(a.path, l.path),
         coalesce(a.status, l.status), coalesce(a.request_time_ms, l.elapsed_ms),
         v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race,
         v.app_pid, v.app_elapsed_ms, v.app_completed, v.worker_event_id,
         CASE WHEN v.retried = 1 THEN v.attempts END, v.stalled_by, v.wasted_ms, coalesce(a.file_id, l.file_id), coalesce(a.line_no, l.line_no),
         v.keepalive_suspect, v.evidence_level,
         CASE WHEN v.silent + v.wasted_work + v.retried + v.stalled + v.keepalive_race > 0 THEN v.evidence END
  FROM request_verdicts v
  LEFT JOIN nginx_access a ON a.id = v.access_id
  LEFT JOIN lb_access l ON l.id = v.lb_id
  WHERE ${IN_WINDOW}
  ORDER BY v.end_ms, v.access_id`;

/** A row of SELECT_REPORT_PASS, in column order. */
export type ReportPassTuple = [
  id: number, start_ms: number | null, end_ms: number, method: string | null, uri: string | null, path: string | null,
  status: number | null, request_time_ms: number | null, verdict: string, silent: number, wasted_work: number,
  retried: number, stalled: number, keepalive_race: number, app_pid: number | null, app_elapsed_ms: number | null,
  app_completed: number | null, worker_event_id: number | null, attempts: string | null, stalled_by: number | null,
  wasted_ms: number | null, file_id: number, line_no: number, keepalive_suspect: number | null, evidence_level: string | null,
  evidence: string | null,
];

/** The second pass: the window's requests of the verdicts in the JSON array @verdicts, in the same order. */
export const SELECT_REPORT_REQUESTS_OF_VERDICTS = `${REPORT_REQUEST_FROM}
  WHERE ${IN_WINDOW} AND v.verdict IN (SELECT value FROM json_each(@verdicts))
  ORDER BY v.end_ms, v.access_id`;

/** One request by id, in the window or not (a stall's blocker may have ended after it). */
export const SELECT_REPORT_REQUEST = `${REPORT_REQUEST_FROM}
  WHERE v.access_id = ?`;

/** The window's size and span, read before the pass: the time buckets and the other layers' range follow from it. */
export const SELECT_REPORT_SPAN = `
  SELECT count(*) AS n, min(v.end_ms) AS first_end_ms, max(v.end_ms) AS last_end_ms,
         min(coalesce(v.start_ms, v.end_ms)) AS first_start_ms
  FROM request_verdicts v
  WHERE ${IN_WINDOW}`;

export interface ReportSpanRow {
  readonly n: number;
  readonly first_end_ms: number | null;
  readonly last_end_ms: number | null;
  readonly first_start_ms: number | null;
}

/** What the report's tallies read of a request (model.ts fills it from a ReportPassTuple). */
export interface ReportPassRow extends FlagColumns {
  readonly id: number;
  readonly start_ms: number | null;
  readonly end_ms: number;
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly request_time_ms: number | null;
  readonly verdict: Verdict;
  readonly app_pid: number | null;
  readonly app_elapsed_ms: number | null;
  readonly app_completed: number | null;
  readonly worker_event_id: number | null;
  /** JSON [{status, addr, response_ms, outcome, worker_pid, worker_event_id}]; in the pass, only when retried */
  readonly attempts: string | null;
  readonly stalled_by: number | null;
  readonly wasted_ms: number | null;
  readonly file: string;
  readonly line_no: number;
  /** 1: an upstream close that fits a keep-alive race the access log cannot confirm */
  readonly keepalive_suspect: number | null;
  /** exact | inferred | cannot_tell; null for rows correlated before evidence was recorded */
  readonly evidence_level: string | null;
  /** the evidence JSON (VerdictEvidence); in the pass, only for requests with a flag set */
  readonly evidence?: string | null;
}

/** A request with everything the report can cite about it. */
export interface ReportRequestRow extends ReportPassRow {
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly app_end_ms: number | null;
  readonly worker_pid: number | null;
  readonly explanation: string;
  /** the load balancer's line for it (null without one): what it says ended the request */
  readonly lb_kind: 'alb' | 'elb' | 'gcp' | 'haproxy' | 'cloudflare' | null;
  readonly lb_status: number | null;
  readonly lb_target_status: number | null;
  readonly lb_target: string | null;
  readonly lb_termination: string | null;
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
