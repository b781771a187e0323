/**
 * A request's trace across the layers → its verdict, flags and a one-sentence explanation. Pure: the
 * evidence has been gathered (match.ts, workers.ts); this only decides. Rules are checked in the
 * order a postmortem reasons: who closed first (client, nginx), then what killed the upstream.
 */
import { isFailed, type Verdict } from '../domain/verdicts.js';
import type { WorkerDeath } from './workers.js';

export interface AttemptTrace {
  readonly status: number | null;
  readonly addr: string | null;
  readonly responseMs: number | null;
  readonly headerMs: number | null;
  /** The worker death that ended this attempt, if one did */
  readonly death: WorkerDeath | null;
}

export interface AppEvidence {
  readonly completed: boolean;
  readonly status: number | null;
  readonly failed: boolean;
  /** Handler end on nginx's clock */
  readonly end: number;
}

export interface Trace {
  readonly status: number | null;
  readonly endMs: number;
  readonly requestJunk: boolean;
  /** null: the access format logs no $upstream_*; []: nginx used no upstream */
  readonly attempts: readonly AttemptTrace[] | null;
  readonly app: AppEvidence | null;
  readonly errorKinds: readonly string[];
  /** A worker death near the end, for formats without $upstream_* (one implied attempt) */
  readonly deathNearEnd: WorkerDeath | null;
}

export interface Classified {
  readonly verdict: Verdict;
  readonly silent: boolean;
  readonly wastedWork: boolean;
  readonly retried: boolean;
  readonly keepaliveRace: boolean;
  readonly death: WorkerDeath | null;
  readonly explanation: string;
}

/** Statuses nginx produces itself before any upstream is involved. */
const PROXY_STATUSES = new Set([400, 408, 413, 414, 431, 444, 494, 495, 496, 497]);
const TIMEOUT_KINDS = new Set(['upstream_read_timeout', 'upstream_send_timeout', 'upstream_connect_timeout']);
const UNAVAILABLE_KINDS = new Set(['upstream_refused', 'no_live_upstreams']);
const CLOSED_KINDS = new Set(['upstream_prematurely_closed', 'upstream_reset']);
/** A reused keep-alive connection that the upstream had closed fails at once, before any header. */
const KEEPALIVE_RACE_MAX_MS = 50;

export function classify(t: Trace): Classified {
  const status = t.status ?? 0;
  const attempts = t.attempts;
  const retried = attempts !== null ? attempts.length > 1 : impliedRetry(t);
  const deaths = attempts ? attempts.map((a) => a.death).filter((d): d is WorkerDeath => d !== null) : [];
  const death = deaths.length > 0 ? deaths[deaths.length - 1]! : t.attempts === null || (attempts && attempts.length === 0) ? t.deathNearEnd : null;
  const appError = t.app !== null && (t.app.failed || (t.app.status ?? 0) >= 500);
  const keepaliveRace = hasKeepaliveRace(t, death);

  const decide = (): { verdict: Verdict; why: string } => {
    if (status === 499) return { verdict: 'client_abort', why: 'nginx logged 499: the client closed the connection before the answer' };
    const noUpstream = attempts !== null && attempts.length === 0;
    if (status >= 400 && (t.requestJunk || noUpstream) && t.app === null) {
      return { verdict: 'rejected_by_proxy', why: `nginx answered ${status} itself, with no upstream attempt` };
    }
    if (PROXY_STATUSES.has(status) && t.app === null && (attempts === null || noUpstream)) {
      return { verdict: 'rejected_by_proxy', why: `nginx answered ${status} itself (the app never saw it)` };
    }
    if (status === 504 || (status >= 500 && t.errorKinds.some((k) => TIMEOUT_KINDS.has(k)) && death === null)) {
      return { verdict: 'proxy_timeout', why: 'nginx gave up waiting for the upstream (upstream timed out)' };
    }
    if (status < 500 && status > 0) {
      return { verdict: 'ok', why: retried ? `answered ${status} after ${attempts ? attempts.length : 'several'} upstream attempts` : `the app answered ${status}` };
    }
    if (death !== null) {
      return death.cause === 'timeout'
        ? { verdict: 'worker_timeout', why: `gunicorn's WORKER TIMEOUT killed worker ${death.pid}, which was serving it` }
        : { verdict: 'worker_crash', why: `worker ${death.pid} died mid-request (${describeDeath(death)})` };
    }
    if (t.errorKinds.some((k) => UNAVAILABLE_KINDS.has(k)) && t.app === null) {
      return { verdict: 'upstream_unavailable', why: 'nginx could not connect to the upstream (refused / no live upstreams)' };
    }
    if (appError) return { verdict: 'app_error', why: `the app answered ${t.app!.status ?? status} and logged the failure` };
    const upstreamAnswered = attempts !== null && attempts.length > 0 && attempts[attempts.length - 1]!.status === status;
    if (status !== 502 && (upstreamAnswered || (attempts === null && status === 500))) {
      return { verdict: 'app_error', why: `the upstream answered ${status} itself` };
    }
    if (status === 503 && attempts === null && t.app === null && t.errorKinds.length === 0) {
      return { verdict: 'app_error', why: 'the upstream answered 503 (no $upstream_status to tell it from nginx\'s own 503)' };
    }
    if (keepaliveRace) return { verdict: 'upstream_error', why: 'the upstream closed a reused keep-alive connection as nginx sent the request' };
    const closed = t.errorKinds.find((k) => CLOSED_KINDS.has(k));
    return { verdict: 'upstream_error', why: closed ? `nginx: ${closed.replace(/_/g, ' ')}, and no worker death or app error explains it` : `nginx answered ${status} and no other log explains it` };
  };

  const { verdict, why } = decide();
  const failed = isFailed(verdict);
  const wastedWork = (verdict === 'client_abort' || verdict === 'proxy_timeout') && t.app !== null && t.app.completed;
  return {
    verdict,
    silent: failed && !appError,
    wastedWork,
    retried,
    keepaliveRace,
    death: verdict === 'worker_timeout' || verdict === 'worker_crash' ? death : null,
    explanation: wastedWork ? `${why}; the handler still ran to completion` : why,
  };
}

/** Error kinds that end one upstream attempt (nginx may then try the next server). */
const ATTEMPT_FAILURES = new Set([...TIMEOUT_KINDS, ...CLOSED_KINDS, 'upstream_refused']);

/**
 * Without $upstream_status the error log still counts attempts: each failed attempt logs a line,
 * so two such lines, or one for a request nginx finally answered below 500, mean a retry.
 */
function impliedRetry(t: Trace): boolean {
  const failures = t.errorKinds.filter((k) => ATTEMPT_FAILURES.has(k)).length;
  return failures >= 2 || (failures >= 1 && t.status !== null && t.status < 500 && t.status !== 499);
}

function hasKeepaliveRace(t: Trace, death: WorkerDeath | null): boolean {
  if (death !== null) return false;
  const closed = t.errorKinds.some((k) => CLOSED_KINDS.has(k));
  if (t.attempts !== null && t.attempts.length > 0) {
    return t.attempts.some((a) =>
      a.death === null && (a.status === 502 || a.status === null) && a.headerMs === null &&
      a.responseMs !== null && a.responseMs <= KEEPALIVE_RACE_MAX_MS) && closed;
  }
  // No attempt list: a 502 the app never saw, or a request nginx answered after a retry (the
  // closed connection is the only error about it) — with no worker death to explain the close.
  return closed && ((t.status === 502 && t.app === null) || (t.status !== null && t.status < 500 && t.status !== 499));
}

function describeDeath(d: WorkerDeath): string {
  switch (d.cause) {
    case 'oom_kill': return 'SIGKILL, as the OOM killer sends';
    case 'signal': return `signal ${d.signal ?? '?'}`;
    case 'exit': return 'the worker exited';
    case 'timeout': return 'WORKER TIMEOUT';
  }
}
