/**
 * Builds the ReportModel: the only report code that runs SQL. One pass reads the window's requests;
 * the other layers are read for the same time range; every section is then a pure function
 * (sections.ts, advice.ts) of those rows.
 */
import type { Db } from '../store/open.js';
import { SELECT_REPORT_REQUESTS, SELECT_MAX_VERDICT_ID, SELECT_APP_BLOCKER, type ReportRequestRow, type AppBlockerRow } from '../store/sql/report-requests.js';
import { SELECT_REPORT_WORKER_EVENTS, SELECT_REPORT_BOOTS, SELECT_REPORT_ERRORS, type ReportWorkerEventRow, type ReportErrorRow } from '../store/sql/report-events.js';
import {
  SELECT_REPORT_FILES, SELECT_ACCESS_CAPABILITIES, SELECT_ERROR_CAPABILITIES, SELECT_APP_CAPABILITIES, SELECT_SERVER_CAPABILITIES,
  type ReportFileRow, type AccessCapabilityRow, type ErrorCapabilityRow, type AppCapabilityRow, type ServerCapabilityRow,
} from '../store/sql/report-inputs.js';
import { SELECT_LAST_MARK, INSERT_MARK, type ReportMarkRow } from '../store/sql/report-marks.js';
import { REPORT_VERSION, type ReportModel, type ReportModel as Report, type Fingerprint } from './types.js';
import { SELECT_LAST_RUN_SKEWS } from '../store/sql/correlation.js';
import { loadChainSettings, matchDirective, describeDirective, timeoutChanges } from '../chain-history.js';
import {
  buildTotals, buildEndpoints, buildFingerprints, buildFailedHistogram, buildWorkerIncidents, buildWastedWork, buildStalls,
  buildTimeline, buildOverTime, refOf,
} from './sections.js';
import { buildRecommendations, buildGaps } from './advice.js';

export interface ReportOptions {
  readonly fromMs?: number | null;
  readonly toMs?: number | null;
  /** cover only requests ingested since the last --since-last report's mark */
  readonly sinceLast?: boolean;
  /** the report's own time (tests pin it) */
  readonly nowMs?: number;
  /** called before each stage, for progress on a terminal */
  readonly onStage?: (stage: string) => void;
}

export interface BuiltReport {
  readonly model: ReportModel;
  /** the highest request id correlated when the report ran: the next since-last mark */
  readonly coveredUpToId: number;
}

const FAR = 8.64e15;
/** Worker deaths and error lines are read this far around the requests' span: a death precedes the 502s it causes. */
const EVENT_MARGIN_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface SkewRow { readonly app_skew_ms: number | null; readonly error_skew_ms: number | null }

/**
 * A clock offset of whole quarter hours between nginx's access log and a zone-less log is a wrong
 * --tz, not drift: correlation corrected it, and the next ingest should not need to.
 */
function clockGaps(run: SkewRow | undefined, files: readonly ReportFileRow[]): Report['gaps'] {
  if (!run) return [];
  const out: Report['gaps'][number][] = [];
  const zones = [...new Set(files.map((f) => f.tz).filter(Boolean))].join(', ') || 'the machine\'s zone';
  const hm = (ms: number) => `${ms < 0 ? '-' : '+'}${Math.floor(Math.abs(ms) / 3_600_000)}h${String(Math.round((Math.abs(ms) % 3_600_000) / 60_000)).padStart(2, '0')}`;
  for (const [layer, ms] of [['nginx error log', run.error_skew_ms], ['app log', run.app_skew_ms]] as const) {
    if (ms === null || ms === 0 || ms % 900_000 !== 0) continue;
    out.push({
      id: 'clock-offset',
      what: `the ${layer}'s times were read ${hm(ms)} off nginx's access log`,
      why: `its timestamps carry no zone and were read as ${zones}; droptrace matched the layers by shifting them ${hm(-ms)}, but times shown from that log are as ingested`,
      fix: [`droptrace ingest --tz <the server's IANA zone, ${hm(ms)} from the one used> …   (into a new --db)`],
    });
  }
  return out;
}

/** Names the configured clock behind each pile, when an audit snapshot holds one that matches. */
function withDirectives(fps: Fingerprint[], settings: ReturnType<typeof loadChainSettings>, atMs: number): Fingerprint[] {
  if (settings.length === 0) return fps;
  return fps.map((f) => ({
    ...f,
    clusters: f.clusters.map((c) => {
      const m = matchDirective(settings, f.verdict, c.low_s, c.high_s, atMs);
      return m ? { ...c, directive: describeDirective(m), knob: `${c.knob} = ${describeDirective(m)}` } : { ...c, directive: null };
    }),
  }));
}

export function buildReportModel(db: Db, opts: ReportOptions = {}): BuiltReport {
  const stage = opts.onStage ?? (() => {});
  const from = opts.fromMs ?? null;
  const to = opts.toMs ?? null;
  let mark: ReportMarkRow | undefined;
  if (opts.sinceLast) mark = db.prepare(SELECT_LAST_MARK).get() as ReportMarkRow | undefined;
  const afterId = opts.sinceLast ? (mark?.last_access_id ?? 0) : 0;
  const coveredUpToId = (db.prepare(SELECT_MAX_VERDICT_ID).get() as { id: number }).id;

  stage('reading requests');
  const rows = db.prepare(SELECT_REPORT_REQUESTS).all({ from: from ?? -FAR, to: to ?? FAR, after_id: afterId }) as ReportRequestRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));

  // Other layers: the explicit window, else the requests' span with a margin (since-last), else everything.
  const span = rows.length ? {
    from: Math.min(...rows.map((r) => r.start_ms ?? r.end_ms)) - EVENT_MARGIN_MS,
    to: Math.max(...rows.map((r) => r.end_ms)) + EVENT_MARGIN_MS,
  } : null;
  const evFrom = from ?? (opts.sinceLast ? (span?.from ?? FAR) : -FAR);
  const evTo = to ?? (opts.sinceLast ? (span?.to ?? -FAR) : FAR);
  stage('reading worker events');
  const events = db.prepare(SELECT_REPORT_WORKER_EVENTS).all({ from: evFrom, to: evTo }) as ReportWorkerEventRow[];
  const boots = db.prepare(SELECT_REPORT_BOOTS).all({ from: evFrom, to: evTo + 30_000 }) as ReportWorkerEventRow[];

  stage('finding fingerprints, incidents and stalls');
  const totals = buildTotals(rows);
  const settings = loadChainSettings(db);
  const atMs = to ?? (rows.length ? rows[rows.length - 1]!.end_ms : Date.now());
  const fingerprints = withDirectives(buildFingerprints(rows), settings, atMs);
  const incidents = buildWorkerIncidents(rows, events, boots);
  const wasted = buildWastedWork(rows);
  const appBlocker = db.prepare(SELECT_APP_BLOCKER);
  const stalls = buildStalls(rows, {
    request: (id) => byId.get(id),
    app: (id) => appBlocker.get(id) as AppBlockerRow | undefined,
  });
  const races = rows.filter((r) => r.keepalive_race === 1).map(refOf);
  const handled = rows.filter((r) => r.app_completed === 1 && r.app_elapsed_ms !== null).map((r) => r.app_elapsed_ms!);
  const slowestHandlerS = handled.length ? Math.max(...handled) / 1000 : null;

  let timeline: ReportModel['timeline'] = null;
  if (from !== null || to !== null) {
    stage('building the timeline');
    const errors = db.prepare(SELECT_REPORT_ERRORS).all({ from: evFrom, to: evTo, limit: 1000 }) as ReportErrorRow[];
    timeline = buildTimeline(rows, errors, [...events, ...boots].sort((a, b) => a.time_ms - b.time_ms || a.id - b.id));
  }

  stage('checking what the logs can tell');
  const files = db.prepare(SELECT_REPORT_FILES).all() as ReportFileRow[];
  const gaps = [...clockGaps(db.prepare(SELECT_LAST_RUN_SKEWS).get() as SkewRow | undefined, files), ...buildGaps({
    files,
    access: db.prepare(SELECT_ACCESS_CAPABILITIES).get() as AccessCapabilityRow,
    errors: db.prepare(SELECT_ERROR_CAPABILITIES).get() as ErrorCapabilityRow,
    app: db.prepare(SELECT_APP_CAPABILITIES).get() as AppCapabilityRow,
    server: db.prepare(SELECT_SERVER_CAPABILITIES).get() as ServerCapabilityRow,
  })];

  const model: ReportModel = {
    version: REPORT_VERSION,
    generated_at: iso(opts.nowMs ?? Date.now()),
    window: {
      from: from === null ? null : iso(from),
      to: to === null ? null : iso(to),
      since_last: opts.sinceLast ? { previous_report_at: mark ? iso(mark.created_ms) : null, after_request_id: afterId } : null,
      first_end: rows.length ? iso(rows[0]!.end_ms) : null,
      last_end: rows.length ? iso(rows[rows.length - 1]!.end_ms) : null,
    },
    totals,
    endpoints: buildEndpoints(rows),
    fingerprints,
    histogram: buildFailedHistogram(rows),
    worker_incidents: incidents,
    wasted_work: wasted,
    stalls,
    keepalive_races: { count: races.length, requests: races.slice(0, 20) },
    recommendations: buildRecommendations({ fingerprints, incidents, stalls, races, wasted, slowestHandlerS }),
    timeline,
    over_time: buildOverTime(rows),
    gaps,
    inputs: files.map((f) => ({ path: f.path, type: f.type, format: f.format, records: f.records, rejected: f.rejected })),
    chain: settings.length === 0 ? null : {
      snapshots: new Set(settings.map((x) => x.snapshot_id)).size,
      directives: fingerprints.flatMap((f) => f.clusters.filter((c) => c.directive).map((c) => ({
        verdict: f.verdict, center_s: c.center_s, directive: c.directive!,
        match: matchDirective(settings, f.verdict, c.low_s, c.high_s, atMs)!,
      }))),
      changes: timeoutChanges(db, settings),
    },
  };
  return { model, coveredUpToId };
}

/** Leaves the since-last mark, once the report has been written. */
export function recordReportMark(db: Db, built: BuiltReport, format: string, nowMs = Date.now()): void {
  db.prepare(INSERT_MARK).run(nowMs, built.coveredUpToId, built.model.totals.requests, format);
}
