/**
 * One probe request: GET the URL with `{s}` filled in, read the body as it streams (counting and
 * discarding it, up to a cap: an endless body must not fill memory), and say how it ended — and for
 * a client timeout, in which phase (connect, headers, body): a response whose headers arrived was
 * answered, just not finished. The GET and the clock are injected so tests run without a network or
 * real waiting; the CLI passes realProbeDeps().
 */
import { httpGet, type ProbeRequestInit, type ProbeResponse } from './http-get.js';
import type { AttemptOutcome, FailureKind, Phase } from './search.js';
import { msToSeconds, secondsToMs, roundToMs } from '../domain/units.js';

export interface ProbeDeps {
  readonly get: (url: string, init: ProbeRequestInit) => Promise<ProbeResponse>;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

export const realProbeDeps = (): ProbeDeps => ({
  get: httpGet,
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
});

/** A slow route answers a few bytes; past this much the rest of the body is not read. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** "0.5" not "0.500", "7" not "7.000". */
export const formatWait = (s: number): string => String(roundToMs(s));

export const fillUrl = (template: string, s: number): string => template.split('{s}').join(formatWait(s));

const CLIENT_TIMEOUT = 'droptrace-client-timeout';

export async function attemptOnce(
  template: string,
  s: number,
  clientTimeoutS: number,
  deps: ProbeDeps,
  interrupt?: AbortSignal,
  maxBodyBytes: number = DEFAULT_MAX_BODY_BYTES,
): Promise<AttemptOutcome | 'aborted'> {
  if (interrupt?.aborted) return 'aborted';
  const ctl = new AbortController();
  const onInterrupt = (): void => ctl.abort('interrupted');
  interrupt?.addEventListener('abort', onInterrupt, { once: true });
  const timer = deps.setTimeout(() => ctl.abort(CLIENT_TIMEOUT), secondsToMs(clientTimeoutS));
  const t0 = deps.now();
  const elapsed = (): number => msToSeconds(Math.round(deps.now() - t0));
  // what is known so far: an object, as the callbacks update it
  const at: { phase: Phase; status: number | null; headers_s: number | null; bytes: number } = { phase: 'connect', status: null, headers_s: null, bytes: 0 };
  try {
    const res = await deps.get(fillUrl(template, s), {
      signal: ctl.signal,
      onConnected: () => {
        if (at.phase === 'connect') at.phase = 'headers';
      },
    });
    at.phase = 'body';
    at.status = res.status;
    at.headers_s = elapsed();
    let capped = false;
    for await (const chunk of res.body) {
      at.bytes += chunk.byteLength;
      if (at.bytes >= maxBodyBytes) {
        capped = true;
        break; // ends the stream; the abort below closes the connection
      }
    }
    if (capped) ctl.abort('droptrace-body-cap');
    const body = { body_bytes: at.bytes, ...(capped ? { body_capped: true } : {}) };
    if (res.status < 400) return { ok: true, status: res.status, elapsed_s: elapsed(), ...body };
    return { ok: false, failure: `http_${res.status}`, status: res.status, elapsed_s: elapsed(), detail: `HTTP ${res.status}`, ...body };
  } catch (err) {
    if (ctl.signal.aborted) {
      if (ctl.signal.reason === CLIENT_TIMEOUT) {
        return { ok: false, failure: 'client_timeout', status: at.status, elapsed_s: elapsed(), detail: timeoutDetail(at, clientTimeoutS), phase: at.phase, body_bytes: at.bytes };
      }
      return 'aborted';
    }
    const { failure, detail } = classifyNetworkError(err);
    const during = at.phase === 'body' ? `; HTTP ${at.status ?? '?'} headers had arrived after ${at.headers_s ?? '?'}s, the body broke after ${at.bytes} bytes` : '';
    return { ok: false, failure, status: at.status, elapsed_s: elapsed(), detail: `${detail}${during}`, phase: at.phase, body_bytes: at.bytes };
  } finally {
    deps.clearTimeout(timer);
    interrupt?.removeEventListener('abort', onInterrupt);
  }
}

/** Which phase the client timeout cut: "no response" only when no headers came. */
function timeoutDetail(at: { phase: Phase; status: number | null; headers_s: number | null; bytes: number }, t: number): string {
  switch (at.phase) {
    case 'connect': return `no connection within --client-timeout ${t}s`;
    case 'headers': return `connected, but no response headers within --client-timeout ${t}s`;
    case 'body': return `HTTP ${at.status ?? '?'} headers after ${at.headers_s ?? '?'}s, but the body had not ended at --client-timeout ${t}s (${at.bytes} bytes read)`;
  }
}

/** node:http puts the socket error's code on the error ("socket hang up" is ECONNRESET); fetch (undici) wraps it in `cause`. An empty reply is a reset for our purposes. */
export function classifyNetworkError(err: unknown): { failure: FailureKind; detail: string } {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code ?? '';
  const msg = cause?.message ?? (err as Error)?.message ?? String(err);
  if (code === 'ECONNREFUSED') return { failure: 'refused', detail: `connection refused (${msg})` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || /other side closed|socket hang up/i.test(msg)) {
    return { failure: 'reset', detail: `connection closed without a complete response (${code || msg})` };
  }
  return { failure: 'error', detail: `${code ? code + ': ' : ''}${msg}` };
}
