/**
 * `runProbe`: validate the options, read the audit inputs (if any) before sending anything, search
 * for the drop, and name the directives that match it. Interruption (the CLI's Ctrl-C) aborts the
 * request in flight and still returns what was learnt.
 */
import { runAudit, type AuditOptions } from '../audit/audit.js';
import type { ChainValue } from '../audit/types.js';
import { attemptOnce, DEFAULT_MAX_BODY_BYTES, formatWait, type ProbeDeps } from './attempt.js';
import { findMatches, type ProbeMatch } from './matches.js';
import { runGate, type ExpectationResult, type Expectations } from './expect.js';
import { searchDrop, type AttemptOutcome, type FailureKind, type Phase, type StopReason } from './search.js';

export interface ProbeOptions {
  /** URL with `{s}` where the wait in seconds goes: http://127.0.0.1:8080/slow?seconds={s} */
  readonly url: string;
  readonly precision?: number;
  readonly max?: number;
  readonly maxRequests?: number;
  /** Seconds; default max + 10. */
  readonly clientTimeout?: number;
  readonly start?: number;
  /** The audit's inputs, to name the directive(s) that match the drop. */
  readonly audit?: Pick<AuditOptions, 'nginxConf' | 'nginxDump' | 'gunicornConf' | 'cmd' | 'lbIdleTimeout' | 'lbProvider' | 'haproxyConf'>;
  /** Gate mode (expect.ts): no search, one request per expectation. */
  readonly expect?: Expectations;
  /** Body bytes read per response before the rest is dropped (default 1 MiB). */
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (line: string) => void;
}

export interface ProbeResult {
  readonly drop_s: number | null;
  readonly last_ok_s: number | null;
  readonly first_fail_s: number | null;
  readonly failure: FailureKind | null;
  readonly requests: number;
  readonly matches: readonly ProbeMatch[];
  readonly stopped: StopReason;
  readonly url: string;
  readonly precision_s: number;
  readonly attempts: readonly ProbeAttempt[];
  /** Gate mode only (stopped 'gate'): each --expect-* with whether the live chain met it. */
  readonly expectations: readonly ExpectationResult[];
}

export interface ProbeAttempt {
  readonly s: number;
  readonly ok: boolean;
  readonly status: number | null;
  readonly failure: FailureKind | null;
  readonly elapsed_s: number;
  readonly detail: string | null;
  /** For a timeout or a broken connection: connect, headers or body. */
  readonly phase: Phase | null;
  /** Body bytes read and discarded; body_capped when the cap stopped the reading. */
  readonly body_bytes: number | null;
  readonly body_capped: boolean;
}

export type ProbeOutcome = { readonly ok: true; readonly result: ProbeResult } | { readonly ok: false; readonly kind: 'usage' | 'config'; readonly message: string; readonly fix: string };

const usage = (message: string, fix: string): ProbeOutcome => ({ ok: false, kind: 'usage', message, fix });

export async function runProbe(opts: ProbeOptions, deps: ProbeDeps): Promise<ProbeOutcome> {
  const precision = opts.precision ?? 0.5;
  const max = opts.max ?? 120;
  const maxRequests = opts.maxRequests ?? 30;
  const start = opts.start ?? 1;
  const clientTimeout = opts.clientTimeout ?? max + 10;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!opts.url.includes('{s}')) return usage(`the URL has no {s}: ${opts.url}`, 'write where the wait goes, e.g. "http://127.0.0.1:8080/slow?seconds={s}"');
  if (!/^https?:\/\//.test(opts.url)) return usage(`not an http(s) URL: ${opts.url}`, 'start the URL with http:// or https://');
  for (const [name, v] of [['--precision', precision], ['--max', max], ['--client-timeout', clientTimeout], ['--start', start]] as const) {
    if (!Number.isFinite(v) || v <= 0) return usage(`${name} must be a positive number of seconds, got ${v}`, `e.g. ${name} 0.5`);
  }
  if (!Number.isInteger(maxBody) || maxBody < 1) return usage(`--max-body must be a positive number of bytes, got ${maxBody}`, 'e.g. --max-body 1048576');
  if (!Number.isInteger(maxRequests) || maxRequests < 2) return usage(`--max-requests must be an integer of at least 2, got ${maxRequests}`, 'e.g. --max-requests 30');
  if (start >= max) return usage(`--start ${start} is not below --max ${max}`, 'raise --max or lower --start');

  // Read the configs first: a broken nginx.conf should stop us before we wait minutes on requests.
  const a = opts.audit;
  const wantAudit = a !== undefined && Object.values(a).some((v) => v !== undefined);
  const audit = wantAudit ? runAudit({ ...a }) : undefined;
  if (audit && !audit.ok) return { ok: false, kind: audit.error.kind, message: `${audit.error.where ? `${audit.error.where}: ` : ''}${audit.error.message}`, fix: audit.error.fix };

  const ex = opts.expect;
  if (ex !== undefined && (ex.atLeast !== undefined || ex.dropBy !== undefined)) {
    for (const [name, v] of [['--expect-at-least', ex.atLeast], ['--expect-drop-by', ex.dropBy]] as const) {
      if (v !== undefined && (!Number.isFinite(v) || v <= 0)) return usage(`${name} must be a positive number of seconds, got ${v}`, `e.g. ${name} 30`);
    }
    const ct = opts.clientTimeout;
    if (ct !== undefined && ex.atLeast !== undefined && ct <= ex.atLeast) return usage(`--client-timeout ${ct} would cut the --expect-at-least ${ex.atLeast} wait`, 'raise --client-timeout, or leave it out (each request then gets its wait + 10 s)');
    if (ct !== undefined && ex.dropBy !== undefined && ct <= ex.dropBy + precision) return usage(`--client-timeout ${ct} would fire before a guard at --expect-drop-by ${ex.dropBy} (+${precision}s precision) could be seen`, 'raise --client-timeout, or leave it out');
    const gate = await runGate(ex, { url: opts.url, precision, start, clientTimeout: ct, maxBodyBytes: maxBody, audit: audit?.ok ? audit : undefined, signal: opts.signal, onProgress: opts.onProgress }, deps);
    const fail = gate.attempts.find((a) => !a.outcome.ok);
    const oks = gate.attempts.filter((a) => a.outcome.ok).map((a) => a.s);
    const failure = fail && !fail.outcome.ok ? fail.outcome.failure : null;
    const drop = fail ? fail.outcome.elapsed_s : null;
    const extra: ChainValue[] = ct === undefined ? [] : [{ layer: 'client', setting: 'timeout', value: `${ct}`, value_s: ct, source: '--client-timeout (the probe itself)' }];
    return {
      ok: true,
      result: {
        drop_s: drop,
        last_ok_s: oks.length > 0 ? Math.max(...oks) : null,
        first_fail_s: fail?.s ?? null,
        failure,
        requests: gate.attempts.length,
        matches: audit?.ok && drop !== null ? findMatches(audit, opts.url, drop, failure, precision, extra) : [],
        stopped: gate.stopped,
        url: opts.url,
        precision_s: precision,
        attempts: gate.attempts.map(({ s, outcome }) => toAttempt(s, outcome)),
        expectations: gate.expectations,
      },
    };
  }

  const progress = opts.onProgress;
  const search = await searchDrop(
    async (s) => {
      progress?.(`waiting ${formatWait(s)}s …`);
      const out = await attemptOnce(opts.url, s, clientTimeout, deps, opts.signal, maxBody);
      if (out !== 'aborted') progress?.(`  ${formatWait(s)}s → ${describe(out)}`);
      return out;
    },
    { start, precision, max, maxRequests },
  );

  const extra: ChainValue[] = [{ layer: 'client', setting: 'timeout', value: `${clientTimeout}`, value_s: clientTimeout, source: '--client-timeout (the probe itself)' }];
  const matches = audit?.ok && search.drop_s !== null ? findMatches(audit, opts.url, search.drop_s, search.failure, precision, extra) : [];
  return {
    ok: true,
    result: {
      drop_s: search.drop_s,
      last_ok_s: search.last_ok_s,
      first_fail_s: search.first_fail_s,
      failure: search.failure,
      requests: search.attempts.length,
      matches,
      stopped: search.stopped,
      url: opts.url,
      precision_s: precision,
      attempts: search.attempts.map(({ s, outcome }) => toAttempt(s, outcome)),
      expectations: [],
    },
  };
}

export const toAttempt = (s: number, o: AttemptOutcome): ProbeAttempt => ({
  s,
  ok: o.ok,
  status: o.status,
  failure: o.ok ? null : o.failure,
  elapsed_s: o.elapsed_s,
  detail: o.ok ? null : o.detail,
  phase: o.ok ? null : (o.phase ?? null),
  body_bytes: o.body_bytes ?? null,
  body_capped: o.body_capped === true,
});

export const describe = (o: AttemptOutcome): string => (o.ok ? `${o.status} after ${o.elapsed_s}s` : `${o.failure} after ${o.elapsed_s}s (${o.detail})`);

