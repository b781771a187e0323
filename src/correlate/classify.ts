/**
 * A request's trace across the layers → its verdict, flags and a one-sentence explanation. Pure: the
 * evidence has been gathered (match.ts, workers.ts); this only decides. Rules are checked in the
 * order a postmortem reasons: who closed first (client, nginx), then what killed the upstream.
 */
import { isFailed, type Verdict } from '../domain/verdicts.js';
import { exact, inferred, cannotTell, type Support, type VerdictEvidence } from '../domain/evidence.js';
import type { WorkerDeath } from './workers.js';
import { msToSeconds } from '../domain/units.js';

export interface AttemptTrace {
  readonly status: number | null;
  readonly addr: string | null;
  readonly responseMs: number | null;
  readonly headerMs: number | null;
  /** The worker death that ended this attempt, if one did */
  readonly death: WorkerDeath | null;
  /** The nginx error-log kind that ended this attempt (attempt-errors.ts); null or absent: no line paired with it */
  readonly failure?: string | null;
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
  /** How the app record was matched: by request id (exact) or by time window */
  readonly appMatch?: 'request_id' | 'time_window' | null;
  readonly errorKinds: readonly string[];
  /** A worker death near the end, for formats without $upstream_* (one implied attempt) */
  readonly deathNearEnd: WorkerDeath | null;
  /**
   * A new app-server process that started soon after nginx saw this request fail (uvicorn's "Started
   * server process" outside gunicorn, a new gunicorn master): the old one went, logging no death.
   */
  readonly restartAfter?: ProcessStart | null;
}

/** A new app-server process: uvicorn run alone, or a gunicorn master started again (a container restart). */
export interface ProcessStart {
  readonly eventId: number;
  readonly pid: number | null;
  readonly time: number;
  readonly message: string;
}

export interface Classified {
  readonly verdict: Verdict;
  readonly silent: boolean;
  readonly wastedWork: boolean;
  readonly retried: boolean;
  readonly keepaliveRace: boolean;
  /**
   * The request fits a keep-alive race (an upstream close or reset the other logs do not explain),
   * but nothing logged shows that the connection was a reused idle one: not flagged, only counted.
   */
  readonly keepaliveSuspect: boolean;
  readonly death: WorkerDeath | null;
  readonly explanation: string;
  /** What supports the verdict and each flag set */
  readonly evidence: VerdictEvidence;
}

/** Statuses nginx produces itself before any upstream is involved. */
const PROXY_STATUSES = new Set([400, 408, 413, 414, 431, 444, 494, 495, 496, 497]);
const TIMEOUT_KINDS = new Set(['upstream_read_timeout', 'upstream_send_timeout', 'upstream_connect_timeout']);
const UNAVAILABLE_KINDS = new Set(['upstream_refused', 'no_live_upstreams']);
const CLOSED_KINDS = new Set(['upstream_prematurely_closed', 'upstream_reset']);
/** An attempt that ended with one of these had a connection to a server (a connect timeout never had one). */
const REACHED_KINDS = new Set([...CLOSED_KINDS, 'upstream_read_timeout', 'upstream_send_timeout']);
/** A reused keep-alive connection that the upstream had closed fails at once, before any header. */
const KEEPALIVE_RACE_MAX_MS = 50;

export function classify(t: Trace): Classified {
  const status = t.status ?? 0;
  const attempts = t.attempts;
  const retried = attempts !== null ? attempts.length > 1 : impliedRetry(t);
  const deaths = attempts ? attempts.map((a) => a.death).filter((d): d is WorkerDeath => d !== null) : [];
  const logged = deaths.length > 0 ? deaths[deaths.length - 1]! : t.attempts === null || (attempts && attempts.length === 0) ? t.deathNearEnd : null;
  const inferredDeath = logged === null ? deathWithoutLine(t) : null;
  const death = logged ?? inferredDeath;
  const heldOnSocket = death === null && heldUntilReset(t);
  const appError = t.app !== null && (t.app.failed || (t.app.status ?? 0) >= 500);
  const race = heldOnSocket ? null : keepaliveRaceOf(t, death);
  const keepaliveRace = race !== null && race.level !== 'cannot_tell';
  const last = lastTry(t);
  // nginx's last real try reached a server: the "no live upstreams" after it is its consequence
  const reached = last !== null && last.reached ? last.index : null;
  const then = reached !== null && t.attempts!.slice(reached + 1).some((a) => a.failure === 'no_live_upstreams')
    ? '; nginx then had no live upstream left to try ("no live upstreams": every server had been tried, or marked down by these failures)' : '';

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
    if (death !== null && death.inferred) {
      return { verdict: 'worker_crash', why: `the worker serving it died without a log line (inferred): ${death.inferred}` };
    }
    if (death !== null) {
      return death.cause === 'timeout'
        ? { verdict: 'worker_timeout', why: `gunicorn's WORKER TIMEOUT killed worker ${death.pid}, which was serving it` }
        : { verdict: 'worker_crash', why: `worker ${death.pid} died mid-request (${describeDeath(death)})` };
    }
    if (t.errorKinds.some((k) => UNAVAILABLE_KINDS.has(k)) && t.app === null && reached === null) {
      return {
        verdict: 'upstream_unavailable',
        why: attemptsUnknown(t)
          ? 'nginx could not connect to the upstream (refused / no live upstreams); its error log also says an upstream closed or reset a connection for it, and its lines cannot be paired with the attempts (no $upstream_addr logged, or no line names one), so whether that attempt reached a worker cannot be told'
          : `nginx could not connect to the upstream (refused / no live upstreams)${last !== null ? reachedBefore(t, last.index) : ''}`,
      };
    }
    if (heldOnSocket) {
      return { verdict: 'upstream_unavailable', why: `no worker took it: it waited on the server's listening socket until a reset, and a new server process started ${secsAfter(t)} later (${t.restartAfter!.message})` };
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
    if (race !== null && race.level === 'cannot_tell') {
      return { verdict: 'upstream_error', why: 'nginx: the upstream closed the connection, and no worker death or app record explains it (could be a keep-alive race: the access log has no $upstream_* timing to tell)' };
    }
    const closed = t.errorKinds.find((k) => CLOSED_KINDS.has(k));
    return { verdict: 'upstream_error', why: closed ? `nginx: ${closed.replace(/_/g, ' ')}, and no worker death or app error explains it` : `nginx answered ${status} and no other log explains it` };
  };

  const decided = decide();
  const verdict = decided.verdict;
  const why = isFailed(verdict) ? decided.why + then : decided.why;
  const failed = isFailed(verdict);
  const wastedWork = (verdict === 'client_abort' || verdict === 'proxy_timeout') && t.app !== null && t.app.completed;
  const verdictDeath = verdict === 'worker_timeout' || verdict === 'worker_crash' ? death : null;
  const silent = failed && !appError;
  const flags: VerdictEvidence['flags'] = {};
  if (silent) flags.silent = silentSupport(t);
  if (wastedWork) flags.wasted_work = appSupport(t, 'the app logged the handler finishing after nginx had ended the request');
  if (retried) flags.retried = attempts !== null ? exact(`$upstream_status lists ${attempts.length} attempts`) : inferred('nginx\'s error log has a failed-attempt line for each try (no $upstream_status to count them)');
  if (keepaliveRace) flags.keepalive_race = race!;
  return {
    verdict,
    silent,
    wastedWork,
    retried,
    keepaliveRace,
    keepaliveSuspect: race !== null && race.level === 'cannot_tell' && failed,
    death: verdictDeath,
    explanation: wastedWork ? `${why}; the handler still ran to completion` : why,
    evidence: { verdict: verdictSupport(verdict, t, verdictDeath), flags },
  };
}

/**
 * The last attempt nginx really tried (a "no live upstreams" entry tried no connect), from its own
 * error-log line paired by address, and whether it reached a server (reset, premature close, read or
 * send timeout) or was refused. It decides: a refusal is a server not listening, so the request is
 * upstream_unavailable (the app never saw it) whatever an earlier attempt met; a failure on a server
 * is the cause, and a "no live upstreams" after it only nginx's bookkeeping of that failure. null:
 * no attempts logged, or the deciding attempt has no line paired with it.
 */
function lastTry(t: Trace): { index: number; reached: boolean } | null {
  if (t.attempts === null) return null;
  for (let i = t.attempts.length - 1; i >= 0; i--) {
    const failure = t.attempts[i]!.failure;
    if (failure === 'no_live_upstreams') continue;
    if (failure == null) return null;
    return { index: i, reached: REACHED_KINDS.has(failure) };
  }
  return null;
}

/** The error log says both (an upstream closed or reset a connection, and refused / no live upstreams) but no attempt can be paired with its line. */
function attemptsUnknown(t: Trace): boolean {
  const paired = t.attempts !== null && t.attempts.some((a) => a.failure != null);
  return !paired && t.errorKinds.some((k) => CLOSED_KINDS.has(k)) && t.errorKinds.some((k) => UNAVAILABLE_KINDS.has(k));
}

/** Earlier attempts that reached a server before the refusal that decided upstream_unavailable: said in `why`. */
function reachedBefore(t: Trace, index: number): string {
  const earlier = t.attempts!.slice(0, index).filter((a) => a.failure != null && REACHED_KINDS.has(a.failure));
  if (earlier.length === 0) return '';
  const said = earlier.map((a) => `${a.addr ?? 'a server'} (${a.failure!.replace(/_/g, ' ')})`).join(', ');
  return `; before that, an attempt had reached ${said}: the refusal decides, as a server going away closes its connections too`;
}

const hasAttempts = (t: Trace) => t.attempts !== null && t.attempts.length > 0;

/** What supports a verdict: a log line that says it (exact), a rule over timing or status (inferred), or nothing (cannot tell). */
function verdictSupport(verdict: Verdict, t: Trace, death: WorkerDeath | null): Support {
  const errs = new Set(t.errorKinds);
  const anyOf = (kinds: ReadonlySet<string>) => [...errs].find((k) => kinds.has(k));
  switch (verdict) {
    case 'ok':
      return t.app !== null ? appSupport(t, 'nginx logged the answer and the app logged the handler') : exact(`nginx logged ${t.status ?? '-'}`);
    case 'client_abort':
      return exact('nginx logged 499 (the client closed first)');
    case 'rejected_by_proxy':
      return t.attempts !== null ? exact(`nginx answered ${t.status ?? '-'} with no upstream attempt ($upstream_status empty)`)
        : inferred(`status ${t.status ?? '-'} is one nginx produces itself, and no app record matched (no $upstream_status to confirm)`);
    case 'proxy_timeout': {
      const k = anyOf(TIMEOUT_KINDS);
      return k ? exact(`nginx's error log: ${k.replace(/_/g, ' ')}`) : inferred('nginx logged 504 (no error-log line about it)');
    }
    case 'worker_timeout':
    case 'worker_crash': {
      if (death === null) return cannotTell('gunicorn\'s log line for the worker death');
      const how = death.cause === 'timeout' ? 'WORKER TIMEOUT' : death.event;
      if (death.inferred) return inferred(death.inferred);
      return hasAttempts(t)
        ? inferred(`the attempt ended when gunicorn logged ${how} for pid ${death.pid} (attempt timing from $upstream_response_time)`)
        : inferred(`gunicorn logged ${how} for pid ${death.pid} within 2 s before nginx saw the upstream close (no $upstream_* to time each attempt)`);
    }
    case 'upstream_unavailable': {
      if (t.restartAfter && !anyOf(UNAVAILABLE_KINDS)) {
        return inferred(`a reset with no app record and no premature close (no worker had accepted it), then a new server process ${secsAfter(t)} later (${t.restartAfter.message}): it waited on the listening socket`);
      }
      const k = anyOf(UNAVAILABLE_KINDS);
      if (k && attemptsUnknown(t)) {
        return inferred(`nginx's error log: ${k.replace(/_/g, ' ')}, after an upstream closed or reset a connection for it (its lines cannot be paired with the attempts: no $upstream_addr logged, or no line names one; whether that attempt reached a worker cannot be told)`);
      }
      return k ? exact(`nginx's error log: ${k.replace(/_/g, ' ')}`) : cannotTell('nginx\'s error log line (connect() refused / no live upstreams)');
    }
    case 'app_error':
      if (t.app !== null) return appSupport(t, 'the app logged the failure');
      return t.attempts !== null ? exact(`$upstream_status ${t.status ?? '-'}: the upstream answered it`) : inferred(`status ${t.status ?? '-'} without $upstream_status: taken as the app's own answer`);
    case 'upstream_error': {
      const k = anyOf(CLOSED_KINDS);
      return k ? exact(`nginx's error log: ${k.replace(/_/g, ' ')}; no worker death or app record explains it`)
        : cannotTell('an nginx error-log line about this request (error_log at error or lower): why the upstream failed');
    }
    case 'lb_timeout':
    case 'lb_upstream_error':
    case 'lb_unavailable':
      // Only the load balancer pass (lb-classify.ts) gives these, with the LB's line as support.
      return cannotTell('the load balancer\'s log line');
  }
}

function secsAfter(t: Trace): string {
  return `${msToSeconds(Math.max(0, t.restartAfter!.time - t.endMs)).toFixed(1)} s`;
}

/**
 * uvicorn 0.17 run alone logs nothing when a worker dies, nor does a killed container: nginx saw the
 * connection close early ("upstream prematurely closed"), the app never logged the handler finishing,
 * and a new server process started within 30 s. The death is inferred, and said to be.
 */
function deathWithoutLine(t: Trace): WorkerDeath | null {
  const r = t.restartAfter;
  if (!r || t.status !== 502 || (t.app !== null && t.app.completed)) return null;
  if (!t.errorKinds.includes('upstream_prematurely_closed')) return null;
  return {
    eventId: r.eventId, pid: r.pid ?? 0, time: t.endMs, cause: 'exit', event: 'inferred_death', signal: null,
    inferred: `no death line (uvicorn alone and killed containers log none): nginx saw the upstream close the connection early, ` +
      `the app never logged the handler finishing, and a new server process started ${secsAfter(t)} later (${r.message})`,
  };
}

/** A reset and nothing else: the connection sat on the listening socket (no worker accepted it) until the old server went. */
function heldUntilReset(t: Trace): boolean {
  return Boolean(t.restartAfter) && t.status === 502 && t.app === null && t.errorKinds.length > 0 && t.errorKinds.every((k) => k === 'upstream_reset');
}

/** The app's record supports a claim exactly when it was joined by request id, by rule when by time window. */
function appSupport(t: Trace, what: string): Support {
  return t.appMatch === 'request_id' ? exact(`${what} (matched by request id)`) : inferred(`${what} (matched by time window and path)`);
}

function silentSupport(t: Trace): Support {
  if (t.app === null) return inferred('no app record matched it: the app logged nothing about it (or its log was not given)');
  return appSupport(t, 'the app\'s record of it carries no error');
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

/**
 * A keep-alive race: an attempt that failed at once, before any response header, on a connection
 * the upstream closed (nginx's error log) with no worker death to explain it — the timing of a
 * reused idle connection. Without $upstream_* nothing shows the connection was a reused one: the
 * request fits (an upstream close the other logs leave unexplained) and is only a suspect.
 */
function keepaliveRaceOf(t: Trace, death: WorkerDeath | null): Support | null {
  if (death !== null) return null;
  const closed = t.errorKinds.some((k) => CLOSED_KINDS.has(k));
  if (!closed) return null;
  if (t.attempts !== null && t.attempts.length > 0) {
    // an attempt whose own line is a refusal or "no live upstreams" never had a connection to lose
    const i = t.attempts.findIndex((a) =>
      a.death === null && (a.failure == null || CLOSED_KINDS.has(a.failure)) && (a.status === 502 || a.status === null) && a.headerMs === null &&
      a.responseMs !== null && a.responseMs <= KEEPALIVE_RACE_MAX_MS);
    if (i < 0) return null;
    const a = t.attempts[i]!;
    return inferred(`attempt ${i + 1} failed ${a.responseMs} ms after it was sent, before any response header ($upstream_response_time), ` +
      `and nginx's error log says the upstream closed it: a reused idle connection (≤ ${KEEPALIVE_RACE_MAX_MS} ms, no worker death)`);
  }
  // No attempt list: a 502 the app never saw, or a request nginx answered after a retry.
  if ((t.status === 502 && t.app === null) || (t.status !== null && t.status < 500 && t.status !== 499)) {
    return cannotTell('$upstream_connect_time, $upstream_header_time and $upstream_response_time (to see an attempt fail at once on a reused connection)');
  }
  return null;
}

function describeDeath(d: WorkerDeath): string {
  switch (d.cause) {
    case 'oom_kill': return 'SIGKILL, as the OOM killer sends';
    case 'signal': return `signal ${d.signal ?? '?'}`;
    case 'exit': return 'the worker exited';
    case 'timeout': return 'WORKER TIMEOUT';
  }
}
