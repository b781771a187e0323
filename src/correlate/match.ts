/**
 * Finding what the app and the error log said about one nginx request, while sweeping all of them
 * in time order. Windows hold only the rows that can still match a request not yet seen, so memory
 * follows the traffic rate, not the file size.
 *
 * Matching without ids uses what each log really records: nginx writes the access line when the
 * request ends, the middleware when the handler returns (with its elapsed time), so a request nginx
 * answered ends within milliseconds of its handler, and a request nginx gave up on started with it.
 */
import type { AccessRow, AppRow, ErrorRow } from '../store/sweep-rows.js';
import { WHOLE_SECOND_MS, isWholeSecond, resolutionSlackMs } from '../domain/time.js';
import { SortedPull, pullFrom } from './sorted-pull.js';

/** An app record placed on nginx's clock (skew removed). */
export interface AppOnNginxClock {
  readonly row: AppRow;
  readonly start: number;
  readonly end: number;
}

export interface AppMatch {
  readonly primary: AppOnNginxClock;
  /** The same execution seen by another app source, and other attempts' records (same request id) */
  readonly others: AppOnNginxClock[];
  readonly method: 'request_id' | 'time_window';
  readonly confidence: number;
}

/** How far an app start may precede nginx's start (clock jitter, rounding of %.2f seconds). */
const START_TOLERANCE_MS = 1_500;
/** When a format has no $request_time we only know the end; a handler can have started this long before. */
export const UNKNOWN_START_LOOKBACK_MS = 300_000;
/** An answered request: nginx logs within this of the handler's return. */
const END_TOLERANCE_MS = 1_500;
/**
 * Preferring the structured record as primary: its request id and status say more than a text line;
 * the app server's access line says the status but rarely the handler's elapsed time or pid.
 */
const FORMAT_PENALTY_MS: Readonly<Record<AppRow['format'], number>> = { ndjson: 0, access: 200, text: 400 };
const FORMATS: readonly AppRow['format'][] = ['ndjson', 'access', 'text'];

export function pathKey(method: string | null, path: string | null): string {
  return `${method ?? ''} ${normalisePath(path ?? '')}`;
}

function normalisePath(p: string): string {
  let out = p;
  if (out.includes('%')) {
    try { out = decodeURIComponent(out); } catch { /* keep as logged */ }
  }
  return out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
}

export class AppWindow {
  private readonly byKey = new Map<string, AppOnNginxClock[]>();
  private readonly byRequestId = new Map<string, AppOnNginxClock[]>();
  private readonly used = new Set<number>();
  private readonly pull: SortedPull<AppOnNginxClock>;
  private size = 0;
  /** Records in the window per format: with one format only, no record has a twin to look for. */
  private readonly perFormat: Record<AppRow['format'], number> = { text: 0, ndjson: 0, access: 0 };
  /** Some app record carried a request id: the app logs them, so an id-less record is only a twin. */
  private idsLogged = false;

  constructor(source: Iterator<AppRow>, skewMs: number, alreadyUsed: Iterable<number> = []) {
    for (const id of alreadyUsed) this.used.add(id);
    this.pull = new SortedPull(pullFrom(source, (row) => {
      const end = row.time_ms - skewMs;
      return { row, end, start: end - (row.elapsed_ms ?? 0) };
    }), (e) => e.start);
  }

  get windowSize(): number { return this.size; }

  /** Pulls app records whose start is ≤ `until` (nginx clock) into the window. */
  fill(until: number): void {
    this.pull.upTo(until, (next) => {
      if (this.used.has(next.row.id)) return;
      push(this.byKey, pathKey(next.row.method, next.row.path), next);
      if (next.row.request_id) push(this.byRequestId, next.row.request_id, next);
      this.size++;
      this.perFormat[next.row.format]++;
      if (next.row.request_id) this.idsLogged = true;
    });
  }

  /** Drops records that started before `before`: no request still to come can own them. */
  prune(before: number): void {
    for (const [k, arr] of this.byKey) {
      let i = 0;
      while (i < arr.length && arr[i]!.start < before) {
        const e = arr[i]!;
        this.perFormat[e.row.format]--;
        if (e.row.request_id) removeFrom(this.byRequestId, e.row.request_id, e);
        this.used.delete(e.row.id);
        i++;
      }
      if (i > 0) { arr.splice(0, i); this.size -= i; }
      if (arr.length === 0) this.byKey.delete(k);
    }
  }

  /** `idOnly`: the request never reached the app (every upstream refused it); only its own id can name a record. */
  match(a: AccessRow, start: number | null, idOnly = false): AppMatch | null {
    if (a.request_id) {
      const byId = (this.byRequestId.get(a.request_id) ?? []).filter((e) => !this.used.has(e.row.id));
      if (byId.length > 0) {
        // Several records share an id when nginx retried the request on another worker: the last
        // one to end is the attempt nginx saw answer.
        byId.sort((x, y) => rank(y) - rank(x) || y.end - x.end);
        const primary = byId[0]!;
        const others = byId.slice(1);
        for (const e of byId) this.claim(e);
        const twins: AppOnNginxClock[] = [];
        this.claimTwin(primary, twins);
        const chosen = preferHandlerRecord(primary, twins);
        return { primary: chosen.primary, others: [...others, ...chosen.others], method: 'request_id', confidence: 1 };
      }
    }
    if (idOnly) return null;
    const bucket = this.byKey.get(pathKey(a.method, a.path));
    if (!bucket) return null;
    const end = a.time_ms;
    const coarse = isWholeSecond(end);
    const answered = a.status !== null && a.status < 499 || (a.status !== null && a.status >= 500 && a.status !== 502 && a.status !== 504);
    let best: AppOnNginxClock | null = null, bestCost = Infinity, second = Infinity;
    for (const e of bucket) {
      if (this.used.has(e.row.id)) continue;
      if (a.request_id && e.row.request_id && e.row.request_id !== a.request_id) continue;
      // A record without an id (an access line, a middleware line in a layout with no id), where the app
      // logs ids: it joins only as the twin of its own execution's record (claimTwin), or a request that
      // never reached the app (a refused connect) takes the next one's.
      if (a.request_id && !e.row.request_id && this.idsLogged) continue;
      // nginx answered with the app's response: an app record that states another status answered another request.
      if (answered && e.row.status !== null && a.status !== null && e.row.status !== a.status) continue;
      const cost = this.cost(e, start, end, coarse, answered);
      if (cost === null) continue;
      if (cost < bestCost) { second = bestCost; bestCost = cost; best = e; }
      else if (cost < second) second = cost;
    }
    if (!best) return null;
    this.claim(best);
    const twins: AppOnNginxClock[] = [];
    this.claimTwin(best, twins);
    const { primary, others } = preferHandlerRecord(best, twins);
    const tol = coarse ? 2_500 : END_TOLERANCE_MS;
    const closeness = Math.max(0.05, 1 - bestCost / tol);
    const ambiguity = second === Infinity ? 1 : Math.min(1, (second - bestCost) / tol + 0.3);
    return { primary, others, method: 'time_window', confidence: round2(closeness * ambiguity) };
  }

  private cost(e: AppOnNginxClock, start: number | null, end: number, coarse: boolean, answered: boolean): number | null {
    const slack = coarse ? WHOLE_SECOND_MS : 0;
    const penalty = FORMAT_PENALTY_MS[e.row.format];
    if (start !== null && e.start < start - START_TOLERANCE_MS - slack) return null;
    if (e.start > end + slack + START_TOLERANCE_MS) return null;
    if (answered) {
      // nginx answered with the app's response: the handler returned just before nginx logged.
      const d = e.end - end;
      if (d < -END_TOLERANCE_MS || d > END_TOLERANCE_MS + slack) return null;
      return Math.abs(d - slack / 2) + penalty;
    }
    // nginx gave up (or the attempt died): the handler started with the request and may have
    // finished later, or never.
    if (start !== null) return Math.abs(e.start - start) + penalty;
    return (e.start <= end + slack ? 0 : e.start - end) + Math.max(0, end - e.end) / 10 + penalty;
  }

  private claim(e: AppOnNginxClock): void {
    this.used.add(e.row.id);
  }

  /**
   * The middleware's text line, the NDJSON record and the app server's access line of the same
   * execution are one request: one twin of each other format, near the primary's end.
   */
  private claimTwin(primary: AppOnNginxClock, into: AppOnNginxClock[]): void {
    for (const format of FORMATS) {
      if (format === primary.row.format || this.perFormat[format] === 0) continue;
      const bucket = this.byKey.get(pathKey(primary.row.method, primary.row.path));
      if (!bucket) return;
      for (const e of bucket) {
        if (this.used.has(e.row.id) || e.row.format !== format) continue;
        if (primary.row.pid !== null && e.row.pid !== null && primary.row.pid !== e.row.pid) continue;
        if (primary.row.request_id && e.row.request_id && primary.row.request_id !== e.row.request_id) continue;
        const elapsedClose = primary.row.elapsed_ms === null || e.row.elapsed_ms === null || Math.abs(primary.row.elapsed_ms - e.row.elapsed_ms) <= 20;
        if (Math.abs(e.end - primary.end) <= 1_000 && elapsedClose) {
          this.claim(e);
          into.push(e);
          break;
        }
      }
    }
  }
}

/**
 * The app server's access line can win the match (it states the status), but the handler's own
 * record of the same execution knows more: its pid (stalls and worker deaths need it) and its
 * elapsed time. When such a twin was found it becomes the primary, so a line a delivery wrapper
 * happened to time never changes what the handler's record had already established.
 */
function preferHandlerRecord(primary: AppOnNginxClock, twins: AppOnNginxClock[]): { primary: AppOnNginxClock; others: AppOnNginxClock[] } {
  if (primary.row.format !== 'access' || (primary.row.pid !== null && primary.row.elapsed_ms !== null)) return { primary, others: twins };
  const handler = twins.find((t) => t.row.format !== 'access' && (t.row.pid !== null || t.row.elapsed_ms !== null));
  if (!handler) return { primary, others: twins };
  return { primary: handler, others: [primary, ...twins.filter((t) => t !== handler)] };
}

/** Completed handler records (NDJSON, the server's access line) outrank the middleware's lines as the "answer" of a request id. */
const rank = (e: AppOnNginxClock) => (e.row.format === 'text' ? 1 : 2);

export class ErrorWindow {
  private readonly byRequest = new Map<string, ErrorRow[]>();
  private readonly pull: SortedPull<ErrorRow>;

  constructor(source: Iterator<ErrorRow>) {
    this.pull = new SortedPull(pullFrom(source, (row) => row), (row) => row.time_ms);
  }

  /** Pulls error lines timed ≤ `until` into the window. */
  fill(until: number): void {
    this.pull.upTo(until, (next) => {
      if (next.request) push(this.byRequest, next.request, next);
    });
  }

  prune(before: number): void {
    for (const [k, arr] of this.byRequest) {
      let i = 0;
      while (i < arr.length && arr[i]!.time_ms < before) i++;
      if (i > 0) arr.splice(0, i);
      if (arr.length === 0) this.byRequest.delete(k);
    }
  }

  /** The error-log lines about this request: same request line and client (and connection when logged), inside its lifetime. */
  take(a: AccessRow, start: number | null): ErrorRow[] {
    if (!a.request) return [];
    const arr = this.byRequest.get(a.request);
    if (!arr) return [];
    // The error log's own times are whole seconds, and so may the access line's be.
    const from = (start ?? a.time_ms - UNKNOWN_START_LOOKBACK_MS) - WHOLE_SECOND_MS;
    const to = a.time_ms + WHOLE_SECOND_MS + resolutionSlackMs(a.time_ms);
    const out: ErrorRow[] = [];
    for (let i = 0; i < arr.length; i++) {
      const e = arr[i]!;
      if (e.time_ms < from || e.time_ms > to) continue;
      if (a.connection !== null && e.cid !== null && a.connection !== e.cid) continue;
      if (a.remote_addr && e.client && !sameClient(a.remote_addr, e.client)) continue;
      out.push(e);
      arr.splice(i, 1);
      i--;
    }
    return out;
  }
}

const sameClient = (a: string, b: string) => a === b || a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const arr = m.get(k);
  if (arr) arr.push(v);
  else m.set(k, [v]);
}

function removeFrom<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const arr = m.get(k);
  if (!arr) return;
  const i = arr.indexOf(v);
  if (i >= 0) arr.splice(i, 1);
  if (arr.length === 0) m.delete(k);
}

const round2 = (x: number) => Math.round(x * 100) / 100;
