/**
 * The two JSON columns that hold a request's upstream attempts, each with its one type, its one
 * writer and its one reader:
 * - `nginx_access.attempts`: the attempts as nginx logged them ($upstream_addr, $upstream_status,
 *   $upstream_*_time), written at ingest;
 * - `request_verdicts.attempts`: what became of each attempt (answered, failed, the worker death
 *   that ended it), written by the correlation and read by `requests`, `trace`, the report and export.
 * The writers build the text directly, byte for byte what JSON.stringify gives: one value per access
 * row (a million per run), where building and stringifying objects was 5-10% of the run.
 */
import type { UpstreamAttempt } from '../../parsers/nginx-access/record.js';

/** One element of `nginx_access.attempts`. */
export interface LoggedAttempt {
  readonly addr: string | null;
  readonly status: number | null;
  readonly connect_ms: number | null;
  readonly header_ms: number | null;
  readonly response_ms: number | null;
  /** Index of the upstream group (values after a " : " belong to the next group, e.g. after X-Accel-Redirect). */
  readonly group: number;
}

export type AttemptOutcome = 'answered' | 'failed' | 'no_response' | 'worker_timeout' | 'worker_crash';

/** One element of `request_verdicts.attempts`. */
export interface AttemptOutcomeJson {
  readonly status: number | null;
  readonly addr: string | null;
  readonly response_ms: number | null;
  readonly outcome: AttemptOutcome;
  /** The worker that died serving it, and the server_log row that says so. */
  readonly worker_pid: number | null;
  readonly worker_event_id: number | null;
  /** Added by `export` only: the death's file:line, so a fleet finds it whichever shard owns it. */
  readonly worker_event_source?: { readonly file: string; readonly line: number } | null;
}

/** `nginx_access.attempts` from the parser's attempts. */
export function writeLoggedAttempts(attempts: readonly UpstreamAttempt[]): string {
  let out = '[';
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    out += `${i > 0 ? ',' : ''}{"addr":${jsonString(a.addr)},"status":${jsonNumber(a.status)},` +
      `"connect_ms":${jsonNumber(a.connectTime)},"header_ms":${jsonNumber(a.headerTime)},` +
      `"response_ms":${jsonNumber(a.responseTime)},"group":${jsonNumber(a.group)}}`;
  }
  return out + ']';
}

/** `request_verdicts.attempts`. A value of another type than the ingest writes (a string status in an old or foreign row) goes the slow, exact way. */
export function writeAttemptOutcomes(attempts: readonly AttemptOutcomeJson[]): string {
  let out = '[';
  for (let i = 0; i < attempts.length; i++) {
    const x = attempts[i]!;
    if (!isNumberOrNull(x.status) || !isNumberOrNull(x.response_ms) || !(typeof x.addr === 'string' || x.addr === null) || x.worker_event_source !== undefined) {
      return JSON.stringify(attempts);
    }
    out += `${i > 0 ? ',' : ''}{"status":${jsonNumber(x.status)},"addr":${jsonString(x.addr)},` +
      `"response_ms":${jsonNumber(x.response_ms)},"outcome":"${x.outcome}","worker_pid":${jsonNumber(x.worker_pid)},` +
      `"worker_event_id":${jsonNumber(x.worker_event_id)}}`;
  }
  return out + ']';
}

/** `nginx_access.attempts` back; null for no value or one that is not JSON (a damaged row is read as "not logged"). */
export function readLoggedAttempts(json: string | null): LoggedAttempt[] | null {
  return readJson<LoggedAttempt[]>(json);
}

/** `request_verdicts.attempts` back; null for no value or one that is not JSON. */
export function readAttemptOutcomes(json: string | null): AttemptOutcomeJson[] | null {
  return readJson<AttemptOutcomeJson[]>(json);
}

/** Whether some attempt names the worker death that ended it, without parsing the column (most do not). */
export const namesWorkerDeath = (json: string | null): json is string => json !== null && /"worker_event_id":\d/.test(json);

function readJson<T>(json: string | null): T | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}

const isNumberOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
/** As JSON.stringify writes a number or null (NaN and ±Infinity become null there too). */
const jsonNumber = (n: number | null): string => (n === null || !Number.isFinite(n) ? 'null' : String(n));
const jsonString = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));
