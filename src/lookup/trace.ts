/**
 * `droptrace trace`: one request's timeline across the layers, each line with its layer, time and
 * source file:line — what a postmortem quotes.
 */
import { stripControls } from '../output/rows.js';
import type { Db } from '../store/open.js';
import { describeSupport, withStall, type Support, type VerdictEvidence } from '../domain/evidence.js';
import { FIND_BY_ID, FIND_BY_REQUEST_ID, FIND_BY_URI, TRACE_LIST, TRACE_ACCESS, TRACE_APP, TRACE_ERRORS, TRACE_LB, TRACE_LB_ONLY, TRACE_WORKER, TRACE_WORKER_EVENT } from '../store/sql/trace.js';
import { isoUtc, msToSeconds } from '../domain/units.js';
import { FLAG_IDS, toVerdict, type Verdict } from '../domain/verdicts.js';
import { readAttemptOutcomes } from '../store/attempts.js';

export interface TraceEvent {
  readonly time: string | null;
  readonly layer: 'lb' | 'nginx' | 'nginx-error' | 'gunicorn' | 'app';
  readonly what: string;
  readonly source: string;
}

export interface RequestTrace {
  readonly id: number;
  readonly uri: string | null;
  readonly verdict: Verdict | null;
  readonly flags: string[];
  readonly explanation: string | null;
  readonly match: string | null;
  /** What supports the verdict and each flag (null: correlated before evidence was recorded) */
  readonly evidence: { readonly verdict: Support; readonly flags: VerdictEvidence['flags'] } | null;
  /** An upstream close that fits a keep-alive race, which the access log has no $upstream_* timing to confirm */
  readonly keepalive_race_possible: boolean;
  readonly events: TraceEvent[];
}

/** Requests traced in full when several match and --all is not given (all of them are listed). */
export const TRACE_SHOWN = 10;

export function findRequests(db: Db, query: string): number[] {
  const ids = (stmt: string, v: unknown) => (db.prepare(stmt).all(v) as { id: number }[]).map((r) => r.id);
  if (/^\d+$/.test(query)) {
    const byId = ids(FIND_BY_ID, Number(query));
    if (byId.length) return byId;
  }
  const byRid = ids(FIND_BY_REQUEST_ID, query);
  if (byRid.length) return byRid;
  return ids(FIND_BY_URI, query);
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function traceRequest(db: Db, id: number): RequestTrace | null {
  const lb = db.prepare(TRACE_LB).get(id) as Any | undefined;
  const a = (id > 0 ? db.prepare(TRACE_ACCESS).get(id) : db.prepare(TRACE_LB_ONLY).get(id)) as Any | undefined;
  if (!a) return null;
  const events: TraceEvent[] = [];
  const src = (r: Any) => `${r.file}:${r.line_no}`;
  if (lb) events.push(...lbEvents(lb, src(lb)));
  if (id < 0) {
    return { id, uri: a.uri, verdict: storedVerdict(a.verdict), flags: flagsOf(a), explanation: a.explanation, match: null,
      evidence: withStall(a.evidence ? JSON.parse(a.evidence) : null, a.stalled === 1), keepalive_race_possible: false, events };
  }
  if (a.start_ms !== null && a.start_ms !== undefined) {
    events.push({ time: isoUtc(a.start_ms), layer: 'nginx', what: `request received: ${a.request ?? ''} (start = end − $request_time)`, source: src(a) });
  }
  if (a.error_ids) {
    for (const e of db.prepare(TRACE_ERRORS).all(a.error_ids) as Any[]) {
      events.push({ time: isoUtc(e.time_ms), layer: 'nginx-error', what: `[${e.level}] ${e.message}${e.upstream ? ` (upstream ${e.upstream})` : ''}`, source: src(e) });
    }
  }
  if (a.app_ids) {
    for (const p of db.prepare(TRACE_APP).all(a.app_ids) as Any[]) {
      if (p.elapsed_ms !== null) {
        events.push({ time: isoUtc(p.time_ms - p.elapsed_ms), layer: 'app', what: `handler started on pid ${p.pid ?? '?'} (app's clock: logged time − elapsed)`, source: src(p) });
      }
      const what = p.kind === 'access'
        ? `the app server (${p.logger === 'gunicorn.access' ? 'gunicorn' : 'uvicorn'}${p.pid !== null ? ` pid ${p.pid}` : ''}) answered ${p.method} ${p.path} with status ${p.status ?? '?'}` +
          `${p.elapsed_ms !== null ? ` after ${msToSeconds(p.elapsed_ms).toFixed(3)} s` : ''}${p.request_id ? ` (request_id ${p.request_id})` : ''}`
        : p.kind === 'slow' ? `Slow request: ${msToSeconds(p.elapsed_ms).toFixed(2)}s ${p.method} ${p.path}`
        : p.kind === 'failed' ? `Request failed after ${msToSeconds(p.elapsed_ms).toFixed(2)}s: ${p.method} ${p.path}${p.error ? ` (${p.error})` : ''}`
        : `${p.method} ${p.path} → ${p.status ?? '?'} in ${p.elapsed_ms ?? '?'} ms${p.request_id ? ` (request_id ${p.request_id})` : ''}`;
      events.push({ time: isoUtc(p.time_ms), layer: 'app', what, source: src(p) });
    }
  }
  if (a.worker_event_id) {
    const w = db.prepare(TRACE_WORKER_EVENT).get(a.worker_event_id) as { worker_pid: number; time_ms: number } | undefined;
    if (w) {
      for (const s of db.prepare(TRACE_WORKER).all({ pid: w.worker_pid, t: w.time_ms }) as Any[]) {
        events.push({ time: isoUtc(s.time_ms), layer: 'gunicorn', what: `[${s.level ?? ''}] ${s.message}`, source: src(s) });
      }
    }
  }
  const attempts = (readAttemptOutcomes(a.attempt_outcomes) ?? []).map((x) => `${x.status ?? '-'}@${x.addr ?? '?'} ${x.outcome}`).join(', ');
  events.push({
    time: isoUtc(a.time_ms), layer: 'nginx',
    what: `logged ${a.status} after ${a.request_time_ms !== null ? msToSeconds(a.request_time_ms).toFixed(3) + ' s' : '? s'}${attempts ? `; attempts: ${attempts}` : ''}`,
    source: src(a),
  });
  events.sort((x, y) => (x.time ?? '').localeCompare(y.time ?? ''));
  const flags = flagsOf(a);
  return {
    id, uri: a.uri, verdict: storedVerdict(a.verdict), flags, explanation: a.explanation ?? null,
    match: a.app_match ? `${a.app_match} (confidence ${a.app_confidence})` : null,
    evidence: withStall(a.evidence ? JSON.parse(a.evidence) : null, a.stalled === 1),
    keepalive_race_possible: a.keepalive_suspect === 1,
    events,
  };
}

/** Every request a query matched, one line each: which one to trace is the user's call, never a silent first. */
export function renderMatchList(db: Db, ids: readonly number[], traced: number, query: string): string {
  const rows = db.prepare(TRACE_LIST).all(JSON.stringify(ids)) as Any[];
  const head = `${ids.length} requests match "${query}"${traced < ids.length ? ` (the first ${traced} are traced below; --all traces every one)` : ''}:`;
  return stripControls([head, ...rows.map((r) => `  #${r.id}  ${isoUtc(r.time_ms) ?? '(no time)'}  ${r.status ?? '-'} ${r.method ?? ''} ${r.uri ?? ''}  ${r.verdict ?? '(not correlated)'}  ${r.file}:${r.line_no}`)].join('\n') + '\n');
}

/** A verdict column that may be empty (a request not correlated yet), checked. */
const storedVerdict = (v: unknown): Verdict | null => (v === null || v === undefined ? null : toVerdict(v));

const flagsOf = (a: Any): string[] => FLAG_IDS.filter((k) => a[k] === 1);

/** The LB's line as two events: when it received the request (where logged) and what it logged at the end. */
function lbEvents(l: Any, source: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  if (l.start_ms !== null) out.push({ time: isoUtc(l.start_ms), layer: 'lb', what: `${l.kind} received ${l.method ?? ''} ${l.uri ?? ''} from ${l.client_addr ?? '?'}${l.client_port !== null ? ':' + l.client_port : ''}`, source });
  const parts = [`${l.kind} logged ${l.status ?? '-'}`];
  if (l.target_status !== null) parts.push(`target answered ${l.target_status}`);
  if (l.termination) parts.push(`termination ${l.termination}`);
  if (l.elapsed_ms !== null) parts.push(`after ${msToSeconds(l.elapsed_ms).toFixed(3)} s`);
  if (l.target) parts.push(`target ${l.target}`);
  out.push({ time: isoUtc(l.time_ms), layer: 'lb', what: parts.join(', '), source });
  return out;
}

export function renderTrace(t: RequestTrace): string {
  const ev = t.evidence;
  const support = ev ? `\nevidence: verdict ${describeSupport(ev.verdict)}` +
    Object.entries(ev.flags).map(([k, v]) => `\n          ${k} ${describeSupport(v)}`).join('') : '';
  const suspect = t.keepalive_race_possible ? '\ncould be a keep-alive race: cannot tell without $upstream_connect_time / $upstream_response_time in the access log' : '';
  const head = `request #${t.id} ${t.uri ?? ''}\nverdict: ${t.verdict ?? '(not correlated)'}${t.flags.length ? ` [${t.flags.join(', ')}]` : ''}\nwhy: ${t.explanation ?? ''}${t.match ? `\napp match: ${t.match}` : ''}${support}${suspect}\n`;
  const lines = t.events.map((e) => `  ${e.time ?? '(no time)'.padEnd(24)}  ${e.layer.padEnd(11)}  ${e.what}\n  ${' '.repeat(24)}  ${' '.repeat(11)}  ↳ ${e.source}`);
  // Log-derived text (a URI, a message decoded from escape=json) must not drive the terminal.
  return stripControls(head + lines.join('\n') + '\n');
}
