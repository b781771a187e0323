/**
 * The verdict vocabulary: one verdict per request of the outermost layer logged (the load balancer's
 * when its log is given, else nginx's), plus flags. This table drives the README's
 * vocabulary section (a test checks they agree), the reports' legends and the `--verdict` choices.
 */
export const VERDICTS = [
  { id: 'ok', failed: false, layer: 'app', meaning: 'The app answered, with any status it chose below 500.' },
  { id: 'app_error', failed: true, layer: 'app', meaning: 'The app itself answered 5xx (an exception, or a 5xx it returned).' },
  { id: 'client_abort', failed: true, layer: 'client', meaning: "nginx logged 499: the client (or a load balancer in front) gave up before the answer. Its clock fired first." },
  { id: 'proxy_timeout', failed: true, layer: 'nginx', meaning: 'nginx gave up waiting for the upstream (proxy_read/send/connect_timeout): 504.' },
  { id: 'worker_timeout', failed: true, layer: 'gunicorn', meaning: "gunicorn's --timeout killed the worker serving it (WORKER TIMEOUT): nginx saw the connection close, 502." },
  { id: 'worker_crash', failed: true, layer: 'gunicorn', meaning: 'The worker serving it died another way mid-request (a signal such as the OOM killer\'s SIGKILL, an exit).' },
  { id: 'upstream_unavailable', failed: true, layer: 'nginx', meaning: 'nginx could not connect to an upstream: its last real try was refused at connect, or it found no live upstream to try, so the app never saw it. A last try that reached a server and failed there (reset, premature close), then "no live upstreams", is labelled by that failure.' },
  { id: 'upstream_error', failed: true, layer: 'nginx', meaning: 'nginx saw the upstream fail (reset, premature close) and nothing in the other logs explains why.' },
  { id: 'rejected_by_proxy', failed: true, layer: 'nginx', meaning: 'nginx refused it before any upstream: 400, 408, 413, 414, 444, limit_req 503 …' },
  { id: 'lb_timeout', failed: true, layer: 'lb', meaning: "The load balancer's idle or backend timeout fired before nginx answered (ALB/ELB 504 with target time -1, HAProxy sH/sD, GCP backend_timeout, Cloudflare 524); nginx, if it logged it, logged 499." },
  { id: 'lb_upstream_error', failed: true, layer: 'lb', meaning: "The load balancer's connection to nginx failed or closed early (ALB 502 without a target answer, HAProxy SH/SD, GCP backend_connection_closed…, Cloudflare 520); keepalive_race when it reused a connection nginx had just closed." },
  { id: 'lb_unavailable', failed: true, layer: 'lb', meaning: 'The load balancer had no healthy target to send it to (ALB 503 without target, HAProxy <NOSRV>/SC 503, GCP failed_to_pick_backend, Cloudflare 521/522/523): nginx never saw it.' },
] as const;

export type Verdict = (typeof VERDICTS)[number]['id'];
export const VERDICT_IDS: readonly Verdict[] = VERDICTS.map((v) => v.id);

const KNOWN: ReadonlySet<string> = new Set(VERDICT_IDS);
export const isVerdict = (v: unknown): v is Verdict => typeof v === 'string' && KNOWN.has(v);

/**
 * A verdict read back from the store, checked: the column is text, and a value this version does not
 * know (a database correlated by another droptrace) must stop the reader, not be passed on as a verdict.
 */
export function toVerdict(v: unknown): Verdict {
  if (isVerdict(v)) return v;
  throw new Error(`the database holds the verdict ${JSON.stringify(v)}, which this droptrace does not know (correlated by another version?): run \`droptrace correlate --rebuild\` to judge its requests again`);
}

/** A row as SQLite gives it: its verdict column is text until toVerdict has checked it. */
export type WithStoredVerdict<R extends { readonly verdict: Verdict | null }> = Omit<R, 'verdict'> & { readonly verdict: string | (null extends R['verdict'] ? null : never) };

/** The row with its verdict checked (the row itself: a report reads a million of them). */
export function checkVerdict<R extends { readonly verdict: Verdict | null }>(row: WithStoredVerdict<R>): R {
  if (row.verdict !== null) toVerdict(row.verdict);
  return row as unknown as R;
}

export const FLAGS = [
  { id: 'silent', meaning: 'It failed and the app logged no error for it.' },
  { id: 'wasted_work', meaning: 'The handler ran to completion after the client or nginx had given up.' },
  { id: 'retried', meaning: 'nginx made more than one upstream attempt (several values in $upstream_status).' },
  { id: 'stalled', meaning: "Its handler time was inflated by another request blocking the same worker's event loop." },
  { id: 'keepalive_race', meaning: 'An attempt failed on a reused upstream keep-alive connection that the upstream had just closed: seen in its timing ($upstream_response_time ≤ 50 ms, no header) with nginx\'s close/reset line. Without $upstream_* timing such a request is only counted as possible (`keepalive_race_possible`), never flagged.' },
] as const;

export type Flag = (typeof FLAGS)[number]['id'];
/** The flags' names, in table order: each is also a 0/1 column of request_verdicts of the same name. */
export const FLAG_IDS: readonly Flag[] = FLAGS.map((f) => f.id);
/** The flags as the rows of request_verdicts hold them: one 0/1 column each. */
export type FlagColumns = { readonly [K in Flag]: number };

export const isFailed = (v: Verdict): boolean => VERDICTS.find((x) => x.id === v)!.failed;
