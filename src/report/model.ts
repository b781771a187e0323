/**
 * Builds the ReportModel. It runs the report's SQL, apart from the chain snapshots (chain-history.ts)
 * and the revised verdicts (revisions.ts), which read their own; the section builders only tally the
 * rows they are given. One streamed pass over the window's requests feeds every section's tally
 * (sections.ts, incidents.ts, timeline.ts); a second pass over
 * the failed requests of the verdicts that have timeout piles collects the piles' examples. Memory
 * follows what the report shows, not the window's size. The other layers (worker deaths, error
 * lines) are few and read whole for the window's time range.
 */
import type { Db } from '../store/open.js';
import { writeTransaction } from '../store/write-lock.js';
import {
  SELECT_REPORT_PASS, SELECT_REPORT_REQUESTS_OF_VERDICTS, SELECT_REPORT_REQUEST, SELECT_REPORT_SPAN, SELECT_MAX_VERDICT_ID, SELECT_APP_BLOCKER,
  type ReportRequestRow, type ReportPassRow, type ReportPassTuple, type ReportSpanRow, type AppBlockerRow,
} from '../store/sql/report-requests.js';
import {
  SELECT_REPORT_WORKER_EVENTS, SELECT_REPORT_BOOTS, SELECT_REPORT_ERRORS, SELECT_REPORT_LIFECYCLE, SELECT_APP_SERVER_FACTS,
  type ReportWorkerEventRow, type ReportErrorRow, type AppServerFactsRow,
} from '../store/sql/report-events.js';
import { buildChainModel } from './chain-model.js';
import { RestartTally, findRestartWindows } from './restarts.js';
import {
  SELECT_REPORT_FILES, SELECT_ACCESS_CAPABILITIES, SELECT_ERROR_CAPABILITIES, SELECT_APP_CAPABILITIES, SELECT_SERVER_CAPABILITIES,
  type ReportFileRow, type AccessCapabilityRow, type ErrorCapabilityRow, type AppCapabilityRow, type ServerCapabilityRow,
} from '../store/sql/report-inputs.js';
import { SELECT_LAST_MARK, SELECT_NEWEST_REVISION, INSERT_MARK, DELETE_LISTED_REVISIONS, type ReportMarkRow } from '../store/sql/report-marks.js';
import { readRevisions, readReportRequest } from './revisions.js';
import { REPORT_VERSION, type ReportModel, type ReportModel as Report, type Fingerprint, type FingerprintCluster } from './types.js';
import { lbClearedOf } from './fingerprints.js';
import { SELECT_LAST_RUN_SKEWS } from '../store/sql/correlation.js';
import { SELECT_LB_KINDS } from '../store/sql/lb.js';
import { loadChainSettings, matchDirective, describeDirective, timeoutChanges } from './chain-history.js';
import { TotalsTally, EndpointTally, FingerprintTally, WastedTally, RaceTally, LbVerdictTally, SlowestHandler, OverTimeTally } from './sections.js';
import { IncidentTally, StallTally } from './incidents.js';
import { TimelineTally } from './timeline.js';
import { buildRecommendations, buildGaps } from './advice.js';
import { buildLbRecommendations } from './advice-lb.js';
import { isoUtc, msToSeconds } from '../domain/units.js';
import { toVerdict, checkVerdict, type WithStoredVerdict } from '../domain/verdicts.js';

export interface ReportOptions {
  readonly fromMs?: number | null;
  readonly toMs?: number | null;
  /** cover only requests ingested since the last --since-last report's mark */
  readonly sinceLast?: boolean;
  /** the report's own time (tests pin it) */
  readonly nowMs?: number;
  /** called before each stage, for progress on a terminal */
  readonly onStage?: (stage: string) => void;
  /** Inputs of this run that gave nothing (analyze): listed among the inputs with their reason */
  readonly notRead?: readonly { readonly path: string; readonly reason: string }[];
  /**
   * What the inputs' lines can tell, counted elsewhere: a fleet report's database holds only the
   * rows a report cites (src/fleet/), so the counts come from the dataset's inputs.
   */
  readonly capabilities?: ReportCapabilities;
}

export interface ReportCapabilities {
  readonly access: AccessCapabilityRow;
  readonly errors: ErrorCapabilityRow;
  readonly app: AppCapabilityRow;
  readonly server: ServerCapabilityRow;
}

export interface BuiltReport {
  readonly model: ReportModel;
  /** the highest request id correlated when the report ran: the next since-last mark */
  readonly coveredUpToId: number;
  /** the newest verdict revision when the report ran: newer ones are the next report's */
  readonly revisionId: number;
}

const FAR = 8.64e15;
/** Worker deaths and error lines are read this far around the requests' span: a death precedes the 502s it causes. */
const EVENT_MARGIN_MS = 60_000;

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
  for (const [id, layer, ms] of [['clock-offset-error-log', 'nginx error log', run.error_skew_ms], ['clock-offset-app-log', 'app log', run.app_skew_ms]] as const) {
    if (ms === null || ms === 0 || ms % 900_000 !== 0) continue;
    out.push({
      id,
      what: `the ${layer}'s times were read ${hm(ms)} off nginx's access log`,
      why: `its timestamps carry no zone and were read as ${zones}; droptrace matched the layers by shifting them ${hm(-ms)}, but times shown from that log are as ingested`,
      fix: [`droptrace ingest --tz <the server's IANA zone, ${hm(ms)} from the one used> …   (into a new --db)`],
    });
  }
  return out;
}

/** Names the configured clock behind each pile, when an audit snapshot holds one that matches. */
/**
 * The configured clock of a pile. A pile of client aborts whose load balancer lines mostly say the
 * client closed is not the LB's clock, even when the LB's timeout has the pile's value.
 */
function directiveOf(settings: ReturnType<typeof loadChainSettings>, verdict: string, c: FingerprintCluster, atMs: number) {
  return matchDirective(settings, verdict, c.low_s, c.high_s, atMs, lbClearedOf(c) ? ['lb'] : []);
}

function withDirectives(fps: Fingerprint[], settings: ReturnType<typeof loadChainSettings>, atMs: number): Fingerprint[] {
  if (settings.length === 0) return fps;
  return fps.map((f) => ({
    ...f,
    clusters: f.clusters.map((c) => {
      const m = directiveOf(settings, f.verdict, c, atMs);
      return m ? { ...c, directive: describeDirective(m), knob: `${c.knob} = ${describeDirective(m)}` } : { ...c, directive: null };
    }),
  }));
}

/**
 * The window's requests as ReportPassRows. One object is refilled for every row (a million rows
 * would otherwise be a million objects for the collector): a tally must copy what it keeps
 * (refOf), never keep the row.
 */
function* passRows(db: Db, window: object, fileNames: ReadonlyMap<number, string>): Generator<ReportPassRow> {
  const row = {} as { -readonly [K in keyof ReportPassRow]: ReportPassRow[K] };
  const stmt = db.prepare(SELECT_REPORT_PASS).raw(true);
  for (const t of stmt.iterate(window) as IterableIterator<ReportPassTuple>) {
    [row.id, row.start_ms, row.end_ms, row.method, row.uri, row.path, row.status, row.request_time_ms, ,
      row.silent, row.wasted_work, row.retried, row.stalled, row.keepalive_race, row.app_pid, row.app_elapsed_ms,
      row.app_completed, row.worker_event_id, row.attempts, row.stalled_by, row.wasted_ms] = t;
    row.verdict = toVerdict(t[8]);
    row.file = fileNames.get(t[21]) ?? `file ${t[21]}`;
    row.line_no = t[22];
    row.keepalive_suspect = t[23];
    row.evidence_level = t[24];
    row.evidence = t[25];
    yield row;
  }
}

export function buildReportModel(db: Db, opts: ReportOptions = {}): BuiltReport {
  const stage = opts.onStage ?? (() => {});
  const from = opts.fromMs ?? null;
  const to = opts.toMs ?? null;
  let mark: ReportMarkRow | undefined;
  if (opts.sinceLast) mark = db.prepare(SELECT_LAST_MARK).get() as ReportMarkRow | undefined;
  const afterId = opts.sinceLast ? (mark?.last_access_id ?? 0) : 0;
  const coveredUpToId = (db.prepare(SELECT_MAX_VERDICT_ID).get() as { id: number }).id;
  const revisionId = (db.prepare(SELECT_NEWEST_REVISION).get() as { id: number }).id;

  const window = { from: from ?? -FAR, to: to ?? FAR, after_id: afterId };
  const span = db.prepare(SELECT_REPORT_SPAN).get(window) as ReportSpanRow;
  const hasRows = span.n > 0 && span.first_end_ms !== null && span.last_end_ms !== null;

  // Other layers: the explicit window, else the requests' span with a margin (since-last), else everything.
  const evFrom = from ?? (opts.sinceLast ? (hasRows ? span.first_start_ms! - EVENT_MARGIN_MS : FAR) : -FAR);
  const evTo = to ?? (opts.sinceLast ? (hasRows ? span.last_end_ms! + EVENT_MARGIN_MS : -FAR) : FAR);
  stage('reading worker events');
  const events = db.prepare(SELECT_REPORT_WORKER_EVENTS).all({ from: evFrom, to: evTo }) as ReportWorkerEventRow[];
  const boots = db.prepare(SELECT_REPORT_BOOTS).all({ from: evFrom, to: evTo + 30_000 }) as ReportWorkerEventRow[];
  // Restarts: a stop may precede the window's first failure, the start follow its last.
  const lifecycle = db.prepare(SELECT_REPORT_LIFECYCLE).all({ from: evFrom - EVENT_MARGIN_MS, to: evTo + EVENT_MARGIN_MS }) as ReportWorkerEventRow[];
  const restartTally = new RestartTally(findRestartWindows(lifecycle));

  stage(`reading ${span.n} requests`);
  const totals = new TotalsTally();
  const endpoints = new EndpointTally();
  const fingerprintTally = new FingerprintTally();
  const incidentTally = new IncidentTally(events, boots, lifecycle);
  const wastedTally = new WastedTally();
  const stallTally = new StallTally();
  const races = new RaceTally();
  const lbRaces = new RaceTally();
  const lbUnavailable = new LbVerdictTally('lb_unavailable');
  const slowest = new SlowestHandler();
  const overTime = new OverTimeTally(hasRows ? { firstMs: span.first_end_ms!, lastMs: span.last_end_ms! } : null, 60, (r) => restartTally.inRestart(r) ? 'gunicorn' : null);
  const explicitWindow = from !== null || to !== null;
  const timelineTally = explicitWindow ? new TimelineTally() : null;
  const files = db.prepare(SELECT_REPORT_FILES).all() as ReportFileRow[];
  for (const r of passRows(db, window, new Map(files.map((f) => [f.id, f.path])))) {
    totals.add(r);
    endpoints.add(r);
    fingerprintTally.add(r);
    incidentTally.add(r);
    wastedTally.add(r);
    stallTally.add(r);
    if (r.verdict === 'lb_upstream_error') lbRaces.add(r); else races.add(r);
    lbUnavailable.add(r);
    slowest.add(r);
    overTime.add(r);
    restartTally.add(r);
    timelineTally?.add(r);
  }

  stage('finding fingerprints, incidents and stalls');
  const piled = fingerprintTally.clusters();
  if (piled.length > 0) {
    for (const r of db.prepare(SELECT_REPORT_REQUESTS_OF_VERDICTS).iterate({ ...window, verdicts: JSON.stringify(piled) }) as IterableIterator<WithStoredVerdict<ReportRequestRow>>) {
      fingerprintTally.addMember(checkVerdict(r));
    }
  }
  const settings = loadChainSettings(db);
  const chainModel = buildChainModel(settings, db.prepare(SELECT_APP_SERVER_FACTS).get() as AppServerFactsRow);
  const restarts = restartTally.result();
  const atMs = to ?? (hasRows ? span.last_end_ms! : Date.now());
  const fingerprints = withDirectives(fingerprintTally.fingerprints(), settings, atMs);
  const incidents = incidentTally.result();
  const wasted = wastedTally.result();
  const requestById = db.prepare(SELECT_REPORT_REQUEST);
  const appBlocker = db.prepare(SELECT_APP_BLOCKER);
  const stalls = stallTally.result({
    request: (id) => readReportRequest(requestById, id),
    app: (id) => appBlocker.get(id) as AppBlockerRow | undefined,
  });
  const slowestHandlerS = msToSeconds(slowest.ms);

  let timeline: ReportModel['timeline'] = null;
  if (timelineTally) {
    stage('building the timeline');
    const errors = db.prepare(SELECT_REPORT_ERRORS).all({ from: evFrom, to: evTo, limit: 1000 }) as ReportErrorRow[];
    const stopsAndStarts = lifecycle.filter((e) => e.time_ms >= evFrom && e.time_ms < evTo && e.event !== 'app_shutdown' && e.event !== 'server_started');
    timeline = timelineTally.result(errors, [...events, ...boots, ...stopsAndStarts].sort((a, b) => a.time_ms - b.time_ms || a.id - b.id));
  }

  stage('checking what the logs can tell');
  const gaps = [...clockGaps(db.prepare(SELECT_LAST_RUN_SKEWS).get() as SkewRow | undefined, files), ...buildGaps({
    files,
    ...(opts.capabilities ?? {
      access: db.prepare(SELECT_ACCESS_CAPABILITIES).get() as AccessCapabilityRow,
      errors: db.prepare(SELECT_ERROR_CAPABILITIES).get() as ErrorCapabilityRow,
      app: db.prepare(SELECT_APP_CAPABILITIES).get() as AppCapabilityRow,
      server: db.prepare(SELECT_SERVER_CAPABILITIES).get() as ServerCapabilityRow,
    }),
  })];

  const model: ReportModel = {
    version: REPORT_VERSION,
    generated_at: isoUtc(opts.nowMs ?? Date.now()),
    window: {
      from: isoUtc(from),
      to: isoUtc(to),
      since_last: opts.sinceLast ? {
        previous_report_at: mark ? isoUtc(mark.created_ms) : null,
        after_request_id: afterId,
        revised: mark ? readRevisions(db, mark, revisionId) : null,
      } : null,
      first_end: hasRows ? isoUtc(span.first_end_ms!) : null,
      last_end: hasRows ? isoUtc(span.last_end_ms!) : null,
    },
    totals: totals.result(),
    endpoints: endpoints.result(),
    fingerprints,
    histogram: fingerprintTally.histogram(),
    worker_incidents: incidents,
    wasted_work: wasted,
    stalls,
    keepalive_races: races.result(),
    restarts,
    chain_model: chainModel,
    recommendations: [
      ...buildRecommendations({
        fingerprints, incidents, stalls, races: { count: races.count, requests: races.requests }, wasted, slowestHandlerS, chain: chainModel, restarts,
        slowestOfEndpoint: (e) => slowest.ofEndpoint(e),
      }),
      ...buildLbRecommendations({
        fingerprints, lbRaces: { count: lbRaces.count, requests: lbRaces.requests }, unavailable: lbUnavailable.result(), chain: chainModel,
        lbKinds: (db.prepare(SELECT_LB_KINDS).all() as { kind: string }[]).map((k) => k.kind),
      }),
    ],
    timeline,
    over_time: overTime.result(),
    gaps,
    inputs: [
      ...files.map((f) => ({
        path: f.path, type: f.type, format: f.format, records: f.records, rejected: f.rejected,
        problem: opts.notRead?.find((n) => n.path === f.path)?.reason ?? (f.records > 0 ? null : f.rejected > 0 ? 'every line was rejected: droptrace query "SELECT line_no, reason FROM rejects WHERE file_id = ' + f.id + ' LIMIT 5"' : 'no line was a record'),
      })),
      // Not in the database at all: its layer could not be decided, or it is known content offered under another --type.
      ...(opts.notRead ?? []).filter((n) => !files.some((f) => f.path === n.path)).map((n) => ({ path: n.path, type: 'not read', format: null, records: 0, rejected: 0, problem: n.reason })),
    ],
    chain: settings.length === 0 ? null : {
      snapshots: new Set(settings.map((x) => x.snapshot_id)).size,
      directives: fingerprints.flatMap((f) => f.clusters.filter((c) => c.directive).map((c) => ({
        verdict: f.verdict, center_s: c.center_s, directive: c.directive!,
        match: directiveOf(settings, f.verdict, c, atMs)!,
      }))),
      changes: timeoutChanges(db, settings),
    },
  };
  return { model, coveredUpToId, revisionId };
}

/** Leaves the since-last mark, once the report has been written. */
export function recordReportMark(db: Db, built: BuiltReport, format: string, nowMs = Date.now()): void {
  writeTransaction(db, () => {
    db.prepare(INSERT_MARK).run(nowMs, built.coveredUpToId, built.model.totals.requests, format, built.revisionId);
    db.prepare(DELETE_LISTED_REVISIONS).run(built.revisionId);
  });
}
