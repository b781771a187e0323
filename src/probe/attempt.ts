/**
 * One probe request: GET the URL with `{s}` filled in, wait for the whole body (a response can also
 * break mid-body), and say how it ended. fetch and the clock are injected so tests run without a
 * network or real waiting; the CLI passes globalThis.fetch and performance.now.
 */
import type { AttemptOutcome, FailureKind } from './search.js';

export interface ProbeDeps {
  readonly fetch: (url: string, init: { signal: AbortSignal }) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

/** "0.5" not "0.500", "7" not "7.000". */
export const formatWait = (s: number): string => String(Math.round(s * 1000) / 1000);

export const fillUrl = (template: string, s: number): string => template.split('{s}').join(formatWait(s));

const CLIENT_TIMEOUT = 'droptrace-client-timeout';

export async function attemptOnce(
  template: string,
  s: number,
  clientTimeoutS: number,
  deps: ProbeDeps,
  interrupt?: AbortSignal,
): Promise<AttemptOutcome | 'aborted'> {
  if (interrupt?.aborted) return 'aborted';
  const ctl = new AbortController();
  const onInterrupt = (): void => ctl.abort('interrupted');
  interrupt?.addEventListener('abort', onInterrupt, { once: true });
  const timer = deps.setTimeout(() => ctl.abort(CLIENT_TIMEOUT), clientTimeoutS * 1000);
  const t0 = deps.now();
  const elapsed = (): number => Math.round(deps.now() - t0) / 1000;
  try {
    const res = await deps.fetch(fillUrl(template, s), { signal: ctl.signal });
    await res.arrayBuffer();
    if (res.status < 400) return { ok: true, status: res.status, elapsed_s: elapsed() };
    return { ok: false, failure: `http_${res.status}`, status: res.status, elapsed_s: elapsed(), detail: `HTTP ${res.status}` };
  } catch (err) {
    if (ctl.signal.aborted) {
      if (ctl.signal.reason === CLIENT_TIMEOUT) return { ok: false, failure: 'client_timeout', status: null, elapsed_s: elapsed(), detail: `no response within --client-timeout ${clientTimeoutS}s` };
      return 'aborted';
    }
    const { failure, detail } = classifyNetworkError(err);
    return { ok: false, failure, status: null, elapsed_s: elapsed(), detail };
  } finally {
    deps.clearTimeout(timer);
    interrupt?.removeEventListener('abort', onInterrupt);
  }
}

/** undici wraps the socket error in `cause`; "other side closed" (UND_ERR_SOCKET) is an empty reply, i.e. a reset for our purposes. */
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
