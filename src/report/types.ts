/**
 * The report model: everything a report says, as data. The JSON format is this object as it stands
 * (docs/report-json.md documents it; `version` changes only when a field is renamed or removed —
 * fields are added freely). Renderers read it and never touch the database.
 */
import type { DirectiveMatch, TimeoutChange } from './chain-history.js';
import type { Support } from '../domain/evidence.js';
import type { ChainModel } from './chain-model.js';
import { type Verdict } from '../domain/verdicts.js';

export const REPORT_VERSION = 1;

/** A request the report cites: enough to find it again (`droptrace trace <id>`) and its log line. */
export interface RequestRef {
  readonly id: number;
  /** nginx's end time, ISO-8601 UTC */
  readonly time: string;
  readonly method: string | null;
  readonly uri: string | null;
  readonly status: number | null;
  readonly verdict: Verdict;
  readonly duration_s: number | null;
  /** file:line of the access-log line */
  readonly source: string;
}

export interface VerdictCount {
  readonly id: string;
  readonly failed: boolean;
  readonly layer: string;
  readonly count: number;
  /** 0..1 of all requests */
  readonly share: number;
  /** how its requests' verdicts are supported: exact / inferred / cannot_tell (unknown: correlated before evidence was recorded) */
  readonly evidence: { readonly exact: number; readonly inferred: number; readonly cannot_tell: number; readonly unknown: number };
}

export interface FlagCount {
  readonly id: string;
  readonly count: number;
  readonly share: number;
  /** how the flag is supported on its requests (unknown: correlated before evidence was recorded) */
  readonly evidence: { readonly exact: number; readonly inferred: number; readonly cannot_tell: number; readonly unknown: number };
}

export interface Totals {
  readonly requests: number;
  readonly failed: number;
  readonly silent: number;
  /** silent failures / all requests, 0..1 */
  readonly silent_rate: number;
  readonly failed_rate: number;
  readonly verdicts: readonly VerdictCount[];
  readonly flags: readonly FlagCount[];
}

export interface EndpointStat {
  /** method and collapsed path: "GET /api/items/:id" */
  readonly endpoint: string;
  readonly requests: number;
  readonly failed: number;
  readonly silent: number;
  readonly wasted: number;
  /** failed + wasted: the ranking key */
  readonly harm: number;
  readonly verdicts: Readonly<Record<string, number>>;
  readonly example: RequestRef | null;
}

export interface FingerprintCluster {
  readonly center_s: number;
  readonly low_s: number;
  readonly high_s: number;
  readonly count: number;
  /** share of this verdict's requests with a duration */
  readonly share: number;
  readonly knob: string;
  /** The configured clock it matches, from the newest audit snapshot (`droptrace audit --db`) */
  readonly directive?: string | null;
  readonly examples: readonly RequestRef[];
  /** the commonest user agents among its requests (log-derived: escape before display) */
  readonly user_agents: readonly { readonly agent: string; readonly count: number }[];
  /**
   * client_abort piles only, when the load balancer logged some of its requests: how many of its
   * lines say the client closed (its own clock had not fired), and what the first one said
   */
  readonly lb_client_closed?: { readonly count: number; readonly said: string };
}

export interface Fingerprint {
  readonly verdict: Verdict;
  /** requests of this verdict with a known duration */
  readonly durations: number;
  readonly clusters: readonly FingerprintCluster[];
}

export interface Histogram {
  readonly bin_s: number;
  /** non-empty bins, in order: failed requests' durations, by verdict */
  readonly bins: readonly { readonly start_s: number; readonly total: number; readonly counts: Readonly<Record<string, number>> }[];
}

export interface WorkerIncident {
  readonly time: string;
  /**
   * worker_timeout | worker_signaled | worker_killed | worker_exited | worker_aborted; inferred_death
   * when no line names it (uvicorn alone, a killed container): `evidence` then says why it is inferred
   */
  readonly event: string;
  readonly worker_pid: number | null;
  readonly signal: number | null;
  /** the death line; for an inferred death, what the logs lack */
  readonly message: string;
  /** file:line of the death line; for an inferred death, of the new server process's start line */
  readonly source: string;
  /** exact: gunicorn's line names the death; inferred: the rule, over the requests that ended at it */
  readonly evidence: Support;
  /** requests whose (last) attempt died with the worker */
  readonly died: readonly RequestRef[];
  /** how many requests died with it (`died` cites the first 200) */
  readonly died_count: number;
  /** requests nginx retried onto another worker after an attempt died here */
  readonly retried: readonly { readonly request: RequestRef; readonly next_addr: string | null; readonly final_status: number | null }[];
  /** how many attempts nginx retried elsewhere after this death (`retried` cites the first 200) */
  readonly retried_count: number;
  /** what kept the worker busy: the request that started first among those on it; null when the logs cannot tell which */
  readonly blocker: { readonly request: RequestRef; readonly why: string } | null;
  /** what supports naming the blocker, or what is missing to name one */
  readonly blocker_evidence: Support | null;
  /** without start times: the requests that were on the worker, any of which may have blocked it */
  readonly blocker_candidates: readonly RequestRef[];
  readonly replaced_by: { readonly pid: number | null; readonly time: string; readonly source: string } | null;
}

export interface WastedWork {
  readonly requests: number;
  readonly total_s: number;
  readonly top: readonly (RequestRef & { readonly wasted_s: number })[];
  readonly by_endpoint: readonly { readonly endpoint: string; readonly requests: number; readonly wasted_s: number }[];
}

export interface Stall {
  readonly pid: number | null;
  /** the request that blocked the event loop; null when it matched no nginx request */
  readonly blocker: RequestRef | null;
  /** the blocker as the app logged it, when it matched no nginx request */
  readonly blocker_app: { readonly method: string | null; readonly path: string | null; readonly elapsed_s: number | null; readonly source: string } | null;
  readonly blocker_elapsed_s: number | null;
  readonly from: string | null;
  readonly to: string;
  readonly victim_count: number;
  readonly victims: readonly RequestRef[];
}

/** One setting a recommendation changes (or says to leave), read from the chain model. */
export interface SettingChange {
  /** the directive or flag: `proxy_read_timeout`, `--keep-alive`, "the load balancer's idle timeout" */
  readonly directive: string;
  /** where it is set: file:line when audited, "default (…)" or "logs: …" otherwise */
  readonly where: string;
  /** its value now */
  readonly now: string;
  /** the value to set ("unchanged" when the fix is elsewhere) */
  readonly set: string;
  readonly why: string;
}

export interface Recommendation {
  readonly id: string;
  readonly title: string;
  readonly detail: string;
  /** config or code lines to apply */
  readonly lines: readonly string[];
  /** the settings it touches: directive, where, now, to set, why */
  readonly changes: readonly SettingChange[];
  readonly evidence: readonly RequestRef[];
}

/** An app-server restart (stop … start) and the requests that failed inside it. */
export interface RestartWindow {
  readonly from: string;
  readonly to: string;
  readonly stop: { readonly message: string; readonly source: string };
  readonly start: { readonly message: string; readonly source: string };
  readonly failed_count: number;
  readonly by_verdict: Readonly<Record<string, number>>;
  /** the first ten */
  readonly requests: readonly RequestRef[];
}

export type TimelineLayer = 'nginx' | 'nginx-error' | 'gunicorn' | 'app' | 'client';

export interface TimelineEntry {
  readonly time: string;
  readonly layer: TimelineLayer;
  readonly what: string;
  readonly source: string;
}

export interface OverTime {
  readonly bucket_s: number;
  readonly buckets: readonly {
    readonly start: string;
    readonly counts: Readonly<Record<string, number>>;
    /** failed requests by the layer whose clock fired */
    readonly failed_by_layer: Readonly<Record<string, number>>;
  }[];
}

export interface Gap {
  readonly id: string;
  readonly what: string;
  readonly why: string;
  /** the exact lines that would make the next report exact */
  readonly fix: readonly string[];
}

export interface InputFile {
  readonly path: string;
  readonly type: string;
  readonly format: string | null;
  readonly records: number;
  readonly rejected: number;
  /** Why the input gave nothing, and the flag that fixes it; null when it gave records */
  readonly problem: string | null;
}

/** Verdicts changed since the previous `--since-last` report covered their requests */
export interface Revisions {
  readonly count: number;
  /** verdict then → verdict now, most first */
  readonly changes: readonly { readonly from: Verdict; readonly to: Verdict; readonly count: number }[];
  /** the first ten by request id */
  readonly requests: readonly (RequestRef & { readonly previous_verdict: Verdict })[];
}

export interface ReportModel {
  readonly version: typeof REPORT_VERSION;
  readonly generated_at: string;
  readonly window: {
    readonly from: string | null;
    readonly to: string | null;
    readonly since_last: {
      readonly previous_report_at: string | null;
      readonly after_request_id: number;
      /** null on the first `--since-last` report: nothing was reported before */
      readonly revised: Revisions | null;
    } | null;
    readonly first_end: string | null;
    readonly last_end: string | null;
  };
  readonly totals: Totals;
  readonly endpoints: readonly EndpointStat[];
  readonly fingerprints: readonly Fingerprint[];
  readonly histogram: Histogram;
  readonly worker_incidents: readonly WorkerIncident[];
  readonly wasted_work: WastedWork;
  readonly stalls: readonly Stall[];
  readonly keepalive_races: {
    readonly count: number;
    readonly requests: readonly RequestRef[];
    /** failed requests that fit a keep-alive race the access log cannot confirm (no $upstream_* timing): counted, not flagged */
    readonly possible: { readonly count: number; readonly requests: readonly RequestRef[]; readonly missing: string };
  };
  /** app-server restarts (deploys) and the requests that failed during them */
  readonly restarts: readonly RestartWindow[];
  /** the chain the recommendations were read from */
  readonly chain_model: ChainModel;
  readonly recommendations: readonly Recommendation[];
  /** present when the report covers an explicit window (--from/--to/--last) */
  readonly timeline: { readonly entries: readonly TimelineEntry[]; readonly truncated: boolean } | null;
  readonly over_time: OverTime;
  readonly gaps: readonly Gap[];
  readonly inputs: readonly InputFile[];
  /** From `droptrace audit --db` snapshots; null when the database holds none */
  readonly chain: ChainSection | null;
}

export interface ChainSection {
  readonly snapshots: number;
  /** The configured clock behind each timeout fingerprint that matches one */
  readonly directives: readonly { readonly verdict: Verdict; readonly center_s: number; readonly directive: string; readonly match: DirectiveMatch }[];
  /** Clocks that changed between snapshots, with the failure rate before and after */
  readonly changes: readonly TimeoutChange[];
}
