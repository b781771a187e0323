/**
 * `droptrace requests`: one object per request of the outermost layer logged (the load balancer's
 * when its log is given, nginx's otherwise). The NDJSON form is a stable contract
 * (documented in the README): fields are only ever added, never renamed or removed.
 */
import type { Db } from '../store/open.js';
import { SELECT_REQUESTS } from '../store/sql/requests.js';
import { VERDICTS, FLAG_IDS, checkVerdict, type Verdict, type Flag, type WithStoredVerdict, type FlagColumns } from '../domain/verdicts.js';
import { withStall, type Support, type VerdictEvidence } from '../domain/evidence.js';
import { isoUtc, msToSeconds } from '../domain/units.js';
import { WHOLE_SECOND_MS, isWholeSecond } from '../domain/time.js';
import { readAttemptOutcomes } from '../store/attempts.js';

export interface RequestFilter {
  readonly verdict?: Verdict | null;
  readonly fromMs?: number | null;
  readonly toMs?: number | null;
  /** only failed verdicts */
  readonly failed?: boolean;
  /** only requests flagged silent */
  readonly silent?: boolean;
  /** only requests with this flag (or `keepalive_race_possible`) */
  readonly flag?: Flag | 'keepalive_race_possible' | null;
}

/** What `--flag` accepts: every flag, and the keep-alive suspects the logs cannot confirm. */
export const REQUEST_FLAG_FILTERS: readonly (Flag | 'keepalive_race_possible')[] = [...FLAG_IDS, 'keepalive_race_possible'];

/** The evidence of a request as exported: null for rows correlated before evidence was recorded. */
export interface RequestEvidence {
  readonly verdict: Support;
  readonly flags: VerdictEvidence['flags'];
}

export interface RequestRecord {
  readonly id: number;
  /** When nginx logged it; from a whole-second $time_local, the best estimate inside that second */
  readonly end: string;
  /** 1 when nginx's time has whole seconds ($time_local), 0.001 with $msec / $time_iso8601 ms */
  readonly end_resolution_s: number;
  readonly start: string | null;
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly request_id: string | null;
  readonly request_time_s: number | null;
  readonly attempts: { status: number | null; addr: string | null; response_time_s: number | null; outcome: string; worker_pid: number | null }[] | null;
  readonly verdict: Verdict;
  readonly silent: boolean;
  readonly wasted_work: boolean;
  readonly retried: boolean;
  readonly stalled: boolean;
  readonly keepalive_race: boolean;
  readonly app: { status: number | null; elapsed_s: number | null; pid: number | null; completed: boolean; match: string; confidence: number; end: string | null } | null;
  readonly worker: { pid: number; event: string; time: string | null } | null;
  readonly error_log: { level: string; kind: string; message: string }[];
  readonly explanation: string;
  readonly wasted_s: number | null;
  readonly stalled_by: number | null;
  readonly client: string | null;
  readonly host: string | null;
  readonly source: { file: string; line: number };
  /** It fits a keep-alive race (an unexplained upstream close) but the access log has no $upstream_* timing to show it: not flagged */
  readonly keepalive_race_possible: boolean;
  /** What supports the verdict and each flag: exact, inferred (with the rule) or cannot_tell (with what is missing) */
  readonly evidence: RequestEvidence | null;
  /** The app server's own access line joined to this request (uvicorn's, gunicorn's access_log_format): "the app server answered status S at T" */
  readonly app_server: AppServerAnswer | null;
  /** The load balancer's line for it: null without an LB log, or when no LB line matched */
  readonly lb: {
    kind: string; status: number | null; target_status: number | null; elapsed_s: number | null; termination: string | null;
    match: string | null; source: { file: string; line: number };
  } | null;
  /** nginx's line for it: null when only the load balancer logged it */
  readonly nginx: { status: number | null; request_time_s: number | null; source: { file: string; line: number } } | null;
}

export interface AppServerAnswer {
  readonly server: 'gunicorn' | 'uvicorn';
  readonly status: number | null;
  /** When the server logged it (app's clock) */
  readonly time: string | null;
  /** The request time, when the access format logs one (gunicorn %(D)s, %(M)s, %(L)s, %(T)s) */
  readonly elapsed_s: number | null;
  readonly pid: number | null;
  readonly client: string | null;
  readonly request_id: string | null;
  readonly source: { file: string; line: number };
}

interface AppServerJson {
  status: number | null; time_ms: number | null; elapsed_ms: number | null; pid: number | null; client: string | null;
  logger: string | null; request_id: string | null; file: string; line: number;
}

function appServerOf(json: string | null): AppServerAnswer | null {
  if (json === null) return null;
  const s = JSON.parse(json) as AppServerJson;
  return {
    server: s.logger === 'gunicorn.access' ? 'gunicorn' : 'uvicorn', status: s.status, time: isoUtc(s.time_ms), elapsed_s: msToSeconds(s.elapsed_ms),
    pid: s.pid, client: s.client, request_id: s.request_id, source: { file: s.file, line: s.line },
  };
}

export interface RequestRow extends FlagColumns {
  id: number; start_ms: number | null; end_ms: number; method: string | null; uri: string | null; path: string | null;
  status: number | null; request_id: string | null; request_time_ms: number | null; logged_attempts: string | null;
  attempt_outcomes: string | null; verdict: Verdict; app_id: number | null; app_status: number | null; app_elapsed_ms: number | null; app_pid: number | null;
  app_completed: number | null; app_match: string | null; app_confidence: number | null; app_end_ms: number | null;
  worker_pid: number | null; worker_event: string | null; worker_time_ms: number | null; stalled_by: number | null;
  wasted_ms: number | null; explanation: string; remote_addr: string | null; host: string | null; file: string; line_no: number;
  error_log: string | null; keepalive_suspect: number | null; evidence: string | null; app_server: string | null;
  nginx_id: number | null; nginx_status: number | null; nginx_request_time_ms: number | null; nginx_file: string | null; nginx_line: number | null;
  lb_id: number | null; lb_kind: string | null; lb_status: number | null; lb_target_status: number | null; lb_elapsed_ms: number | null;
  lb_termination: string | null; lb_match: string | null; lb_file: string | null; lb_line: number | null;
}

const FAILED_VERDICTS = JSON.stringify(VERDICTS.filter((v) => v.failed).map((v) => v.id));

export function* iterateRequests(db: Db, f: RequestFilter = {}): Generator<RequestRecord> {
  for (const r of iterateRequestRows(db, f)) yield toRecord(r);
}

/** The rows under the contract's records, in end order (a merge over shards orders by their end_ms). */
export function* iterateRequestRows(db: Db, f: RequestFilter = {}): Generator<RequestRow> {
  const stmt = db.prepare(SELECT_REQUESTS);
  const params = {
    from: f.fromMs ?? -8.64e15, to: f.toMs ?? 8.64e15, verdict: f.verdict ?? null,
    failed: f.failed ? 1 : 0, failed_verdicts: FAILED_VERDICTS, silent: f.silent ? 1 : 0, flag: f.flag ?? null,
  };
  for (const r of stmt.iterate(params) as IterableIterator<WithStoredVerdict<RequestRow>>) yield checkVerdict(r);
}

export function toRecord(r: RequestRow): RequestRecord {
  const outcomes = readAttemptOutcomes(r.attempt_outcomes);
  const errors = r.error_log ? (JSON.parse(r.error_log) as { level: string; kind: string; message: string }[]) : [];
  return {
    id: r.id,
    end: isoUtc(estimateEnd(r))!,
    end_resolution_s: isWholeSecond(r.end_ms) ? 1 : 0.001,
    start: isoUtc(r.start_ms),
    method: r.method,
    uri: r.uri,
    path: r.path,
    status: r.status,
    request_id: r.request_id,
    request_time_s: msToSeconds(r.request_time_ms),
    attempts: outcomes ? outcomes.map((o) => ({ status: o.status, addr: o.addr, response_time_s: msToSeconds(o.response_ms), outcome: o.outcome, worker_pid: o.worker_pid })) : null,
    verdict: r.verdict,
    silent: r.silent === 1,
    wasted_work: r.wasted_work === 1,
    retried: r.retried === 1,
    stalled: r.stalled === 1,
    keepalive_race: r.keepalive_race === 1,
    app: r.app_id === null ? null : {
      status: r.app_status, elapsed_s: msToSeconds(r.app_elapsed_ms), pid: r.app_pid, completed: r.app_completed === 1,
      match: r.app_match ?? 'time_window', confidence: r.app_confidence ?? 0, end: isoUtc(r.app_end_ms),
    },
    worker: r.worker_pid === null ? null : { pid: r.worker_pid, event: r.worker_event ?? '', time: isoUtc(r.worker_time_ms) },
    error_log: errors.map((e) => ({ level: e.level, kind: e.kind, message: e.message })),
    explanation: r.explanation,
    wasted_s: msToSeconds(r.wasted_ms),
    stalled_by: r.stalled_by,
    client: r.remote_addr,
    host: r.host,
    source: { file: r.file, line: r.line_no },
    keepalive_race_possible: r.keepalive_suspect === 1,
    evidence: withStall(r.evidence ? (JSON.parse(r.evidence) as RequestEvidence) : null, r.stalled === 1),
    app_server: appServerOf(r.app_server),
    lb: r.lb_id === null ? null : {
      kind: r.lb_kind ?? '', status: r.lb_status, target_status: r.lb_target_status, elapsed_s: msToSeconds(r.lb_elapsed_ms),
      termination: r.lb_termination, match: r.lb_match, source: { file: r.lb_file ?? '', line: r.lb_line ?? 0 },
    },
    nginx: r.nginx_id === null ? null : {
      status: r.nginx_status, request_time_s: msToSeconds(r.nginx_request_time_ms), source: { file: r.nginx_file ?? '', line: r.nginx_line ?? 0 },
    },
  };
}

/**
 * nginx's $time_local has whole seconds (and nginx's cached clock can lag a few ms): the true end is
 * somewhere in the logged second. The app's millisecond end of the same answer pins it down;
 * otherwise the middle of the second halves the worst error.
 */
function estimateEnd(r: RequestRow): number {
  if (!isWholeSecond(r.end_ms)) return r.end_ms;
  if (r.app_completed === 1 && r.app_end_ms !== null && r.verdict === 'ok' && r.app_end_ms >= r.end_ms - 50 && r.app_end_ms < r.end_ms + WHOLE_SECOND_MS + 50) {
    return Math.min(r.end_ms + WHOLE_SECOND_MS - 1, Math.max(r.end_ms, r.app_end_ms + 2));
  }
  return r.end_ms + WHOLE_SECOND_MS / 2;
}

/** The flat row `--format table|csv` prints. */
export function flattenRequest(r: RequestRecord): Record<string, unknown> {
  const flags = FLAG_IDS.filter((k) => r[k]).join(',');
  return {
    end: r.end, method: r.method, uri: r.uri, status: r.status, request_time_s: r.request_time_s, verdict: r.verdict, flags,
    app_status: r.app?.status ?? null, app_elapsed_s: r.app?.elapsed_s ?? null, worker_pid: r.worker?.pid ?? r.app?.pid ?? null,
    request_id: r.request_id, source: `${r.source.file}:${r.source.line}`, why: r.explanation,
    evidence: r.evidence ? r.evidence.verdict.level.replace('_', ' ') : null,
  };
}
