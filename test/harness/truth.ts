/**
 * Ground truth of a run: what the client saw, joined on the tag with what the app's handlers really
 * did (its private start/finish events), labelled with the fate of each request. Pure: no I/O here.
 *
 * The join key for droptrace is the tag: every request's URI carries `dt=<tag>`, so the nginx
 * access log's request line, the uvicorn access line and the truth record meet on it.
 */
import type { ClientResult } from './client.js';

/** The vocabulary of fates; order = precedence when a request saw several. */
export const LABELS = [
  'ok',
  'client_abort',
  'proxy_timeout',
  'worker_timeout',
  'worker_crash',
  'upstream_unavailable',
  'upstream_error',
  'app_error',
  'rejected_by_proxy',
] as const;
export type Label = (typeof LABELS)[number];

export function isLabel(text: string): text is Label {
  return (LABELS as readonly string[]).includes(text);
}

/** One line of the app's private truth file (test/harness/app/app.py, _truth_event). */
export type AppEvent =
  | { readonly ev: 'boot'; readonly pid: number; readonly wall: number; readonly mono: number }
  | {
      readonly ev: 'start'; readonly pid: number; readonly wall: number; readonly mono: number;
      readonly tag: string | null; readonly method: string; readonly path: string; readonly rid: string | null;
    }
  | {
      readonly ev: 'finish'; readonly pid: number; readonly wall: number; readonly mono: number;
      readonly tag: string | null; readonly outcome: 'completed' | 'exception' | 'cancelled'; readonly status: number | null;
    }
  | { readonly ev: 'crash'; readonly pid: number; readonly wall: number; readonly mono: number; readonly tag: string | null };

export type DeathCause = 'worker_timeout' | 'worker_crash' | 'shutdown' | 'unknown';

/** One run of a handler for a request: nginx may run a request several times (retries). */
export interface Attempt {
  readonly pid: number;
  /** Epoch ms, from the worker's clock (the same host clock as the driver's) */
  readonly startMs: number;
  readonly endMs: number | null;
  /** `killed`: the worker died with the handler running */
  readonly fate: 'completed' | 'exception' | 'cancelled' | 'killed';
  readonly status: number | null;
  readonly death: DeathCause | null;
  /** X-Request-ID the app received ($request_id of nginx) */
  readonly requestId: string | null;
}

export interface RequestTruth {
  readonly tag: string;
  /** Which driver part sent it: `background` or a scripted event's name */
  readonly scenario: string;
  readonly method: string;
  readonly uri: string;
  readonly path: string;
  readonly client: {
    readonly startMs: number;
    readonly endMs: number;
    readonly outcome: ClientResult['outcome'];
    readonly status: number | null;
    readonly error: string | null;
    readonly abortAfterMs: number | null;
  };
  readonly attempts: readonly Attempt[];
  readonly label: Label;
  /** A handler ran to completion although nobody would read its answer */
  readonly wastedWork: boolean;
  /** The app saw the request more than once (nginx retried it on the next server) */
  readonly retried: boolean;
  /** Served by a worker whose event loop another handler blocked while this one was in flight or queued */
  readonly stalledBy: string | null;
  /** The label the scripted event aimed at; null for background traffic */
  readonly expected: Label | null;
}

export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface RunKnowledge {
  /** When gunicorn's master was not running (stopped and restarted on purpose) */
  readonly gunicornDown: readonly Window[];
  /** Scripted expectations per tag */
  readonly expected: ReadonlyMap<string, Label>;
  /** Paths whose handlers block the event loop; a worker that dies with one running timed out */
  readonly blockingPath: string;
  /** Workers the driver killed with SIGKILL from outside (the OOM killer's way) */
  readonly killedPids: ReadonlySet<number>;
}

function attemptsByTag(events: readonly AppEvent[], deaths: ReadonlyMap<number, DeathCause>): Map<string, Attempt[]> {
  const open = new Map<string, Extract<AppEvent, { ev: 'start' }>[]>();
  const out = new Map<string, Attempt[]>();
  const push = (tag: string, attempt: Attempt): void => {
    const list = out.get(tag) ?? [];
    list.push(attempt);
    out.set(tag, list);
  };
  for (const e of events) {
    if (e.ev === 'start' && e.tag) {
      const key = `${e.tag}|${e.pid}`;
      open.set(key, [...(open.get(key) ?? []), e]);
    } else if (e.ev === 'finish' && e.tag) {
      const key = `${e.tag}|${e.pid}`;
      const starts = open.get(key) ?? [];
      const start = starts.shift();
      if (!start) continue;
      push(e.tag, {
        pid: e.pid, startMs: start.wall, endMs: e.wall, fate: e.outcome, status: e.status, death: null, requestId: start.rid,
      });
    }
  }
  for (const starts of open.values()) {
    for (const s of starts) {
      if (!s.tag) continue;
      push(s.tag, {
        pid: s.pid, startMs: s.wall, endMs: null, fate: 'killed', status: null,
        death: deaths.get(s.pid) ?? 'unknown', requestId: s.rid,
      });
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.startMs - b.startMs);
  return out;
}

/** Why each worker that left a handler unfinished died. */
function findDeaths(events: readonly AppEvent[], knowledge: RunKnowledge): Map<number, DeathCause> {
  const deaths = new Map<number, DeathCause>();
  for (const e of events) if (e.ev === 'crash') deaths.set(e.pid, 'worker_crash');
  for (const pid of knowledge.killedPids) deaths.set(pid, 'worker_crash');
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.ev !== 'start' && e.ev !== 'finish') continue;
    const key = `${e.tag}|${e.pid}`;
    counts.set(key, (counts.get(key) ?? 0) + (e.ev === 'start' ? 1 : -1));
  }
  for (const e of events) {
    if (e.ev !== 'start' || deaths.has(e.pid)) continue;
    if ((counts.get(`${e.tag}|${e.pid}`) ?? 0) <= 0) continue;
    if (e.path === knowledge.blockingPath) deaths.set(e.pid, 'worker_timeout');
  }
  for (const e of events) {
    if (e.ev !== 'start' || deaths.has(e.pid)) continue;
    if ((counts.get(`${e.tag}|${e.pid}`) ?? 0) <= 0) continue;
    const inShutdown = knowledge.gunicornDown.some((w) => e.wall <= w.fromMs);
    deaths.set(e.pid, inShutdown ? 'shutdown' : 'unknown');
  }
  return deaths;
}

function overlaps(ms: number, windows: readonly Window[], slackMs: number): boolean {
  return windows.some((w) => ms >= w.fromMs - slackMs && ms <= w.toMs + slackMs);
}

interface DeathWindow extends Window {
  readonly pid: number;
  readonly cause: 'worker_timeout' | 'worker_crash';
}

/**
 * From the first handler a dying worker never finished to its replacement's boot. A request that
 * nginx had already written to that worker but the worker never read (its loop was blocked) has no
 * app event at all; it fails when the worker dies, so a 502 ending inside the window is that death's.
 * Boots do not say whom they replace: the workers die in the order their unfinished handlers began
 * (a timeout counts from there), so each takes the first boot after its start that an earlier one
 * did not (two deaths in a row: the first replacement boots before the second worker dies).
 */
function findDeathWindows(events: readonly AppEvent[], byTag: ReadonlyMap<string, Attempt[]>): DeathWindow[] {
  const boots = events.filter((e) => e.ev === 'boot').map((e) => e.wall).sort((a, b) => a - b);
  const firstUnfinished = new Map<number, { from: number; cause: DeathWindow['cause'] }>();
  for (const attempts of byTag.values()) {
    for (const a of attempts) {
      if (a.fate !== 'killed' || (a.death !== 'worker_timeout' && a.death !== 'worker_crash')) continue;
      const seen = firstUnfinished.get(a.pid);
      if (!seen || a.startMs < seen.from) firstUnfinished.set(a.pid, { from: a.startMs, cause: a.death });
    }
  }
  const used = new Set<number>();
  return [...firstUnfinished.entries()]
    .sort((a, b) => a[1].from - b[1].from)
    .map(([pid, { from, cause }]) => {
      const boot = boots.findIndex((b, i) => b > from && !used.has(i));
      if (boot >= 0) used.add(boot);
      return { pid, fromMs: from, toMs: boot >= 0 ? boots[boot]! : from + 10_000, cause };
    });
}

function labelOf(c: ClientResult, attempts: readonly Attempt[], knowledge: RunKnowledge, deaths: readonly DeathWindow[]): Label {
  if (c.outcome === 'aborted') return 'client_abort';
  const last = attempts[attempts.length - 1];
  const downAround = overlaps(c.startMs, knowledge.gunicornDown, 250) || overlaps(c.endMs, knowledge.gunicornDown, 250);
  if (c.status === 504) return 'proxy_timeout';
  const unseenDeath = (): Label | null =>
    deaths.find((d) => c.endMs >= d.fromMs && c.endMs <= d.toMs + 100 && c.startMs <= d.toMs)?.cause ?? null;
  if (c.status === null) {
    if (last?.death === 'worker_timeout' || last?.death === 'worker_crash') return last.death;
    return downAround ? 'upstream_unavailable' : (unseenDeath() ?? 'upstream_error');
  }
  if (!last) {
    if (c.status === 502 || c.status === 503) return downAround ? 'upstream_unavailable' : (unseenDeath() ?? 'upstream_error');
    if (c.status >= 400) return 'rejected_by_proxy';
    return 'upstream_error'; // a success nobody handled: should not happen
  }
  if (c.status === 502) {
    if (last.fate === 'killed' && (last.death === 'worker_timeout' || last.death === 'worker_crash')) return last.death;
    // the handler finished just as another one blocked its worker's loop (within 50 ms: a loop
    // that ran sends a response at once), so the response was never sent and died with the worker
    const diedUnsent = last.fate === 'completed'
      ? deaths.find((d) => d.pid === last.pid && last.endMs !== null && last.endMs >= d.fromMs - 50 && c.endMs >= d.fromMs && c.endMs <= d.toMs + 100)
      : undefined;
    if (diedUnsent) return diedUnsent.cause;
    if (last.fate === 'killed' && last.death === 'shutdown') return 'upstream_unavailable';
    return downAround ? 'upstream_unavailable' : 'upstream_error';
  }
  if (c.status >= 500) return last.fate === 'exception' || last.status === c.status ? 'app_error' : 'upstream_error';
  return 'ok';
}

/** Stall windows: handlers of `blockingPath` that completed (a stall shorter than the worker timeout). */
function findStalls(byTag: ReadonlyMap<string, Attempt[]>, paths: ReadonlyMap<string, string>, blockingPath: string) {
  const stalls: { tag: string; pid: number; fromMs: number; toMs: number }[] = [];
  for (const [tag, attempts] of byTag) {
    if (paths.get(tag) !== blockingPath) continue;
    for (const a of attempts) if (a.endMs !== null) stalls.push({ tag, pid: a.pid, fromMs: a.startMs, toMs: a.endMs });
  }
  return stalls;
}

export function buildTruth(
  results: readonly ClientResult[],
  events: readonly AppEvent[],
  knowledge: RunKnowledge,
): RequestTruth[] {
  const deaths = findDeaths(events, knowledge);
  const byTag = attemptsByTag(events, deaths);
  const paths = new Map(results.map((r) => [r.tag, r.uri.split('?')[0] ?? r.uri]));
  const stalls = findStalls(byTag, paths, knowledge.blockingPath);
  const deathWindows = findDeathWindows(events, byTag);
  return [...results]
    .sort((a, b) => a.startMs - b.startMs || a.tag.localeCompare(b.tag))
    .map((c) => {
      const attempts = byTag.get(c.tag) ?? [];
      const label = labelOf(c, attempts, knowledge, deathWindows);
      const answered = label === 'ok' || label === 'app_error' ? attempts[attempts.length - 1] : undefined;
      const wastedWork = attempts.some((a) => a !== answered && a.fate === 'completed');
      const stall = stalls.find(
        (s) =>
          s.tag !== c.tag &&
          attempts.some((a) => a.pid === s.pid && a.startMs <= s.toMs + 5 && (a.endMs ?? Infinity) >= s.fromMs) &&
          c.startMs <= s.toMs,
      );
      return {
        tag: c.tag,
        scenario: c.scenario,
        method: c.method,
        uri: c.uri,
        path: paths.get(c.tag) ?? c.uri,
        client: {
          startMs: c.startMs, endMs: c.endMs, outcome: c.outcome, status: c.status, error: c.error,
          abortAfterMs: c.abortAfterMs,
        },
        attempts,
        label,
        wastedWork,
        retried: attempts.length > 1,
        stalledBy: stall ? stall.tag : null,
        expected: knowledge.expected.get(c.tag) ?? null,
      };
    });
}

export function countLabels(truth: readonly RequestTruth[]): Record<Label, number> {
  const counts = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  for (const t of truth) counts[t.label] += 1;
  return counts;
}

/** Parses the app's private truth file; lines that are not events (a torn last line) are skipped. */
export function parseAppEvents(text: string): AppEvent[] {
  const out: AppEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AppEvent);
    } catch {
      // a worker killed mid-write leaves a partial line
    }
  }
  return out;
}
