/**
 * The report's sections as pure functions of the rows model.ts read: totals, endpoints, timeout
 * fingerprints, worker incidents, wasted work, stalls, keep-alive races, the timeline and the
 * verdicts over time. No SQL here; tests feed them arrays.
 */
import { VERDICTS, FLAGS } from '../domain/verdicts.js';
import type { ReportRequestRow, AppBlockerRow } from '../store/sql/report-requests.js';
import type { ReportWorkerEventRow, ReportErrorRow } from '../store/sql/report-events.js';
import { collapsePath } from './endpoints.js';
import { findClusters, nameKnob, buildHistogram } from './fingerprints.js';
import type {
  RequestRef, Totals, EndpointStat, Fingerprint, Histogram, WorkerIncident, WastedWork, Stall, TimelineEntry, OverTime,
} from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const FAILED = new Set<string>(VERDICTS.filter((v) => v.failed).map((v) => v.id));
const LAYER = new Map<string, string>(VERDICTS.map((v) => [v.id, v.layer]));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The request's duration as nginx measured it: $request_time, else end − start. */
export function durationMs(r: ReportRequestRow): number | null {
  if (r.request_time_ms !== null) return r.request_time_ms;
  return r.start_ms !== null ? r.end_ms - r.start_ms : null;
}

export function refOf(r: ReportRequestRow): RequestRef {
  const d = durationMs(r);
  return {
    id: r.id, time: iso(r.end_ms), method: r.method, uri: r.uri, status: r.status, verdict: r.verdict,
    duration_s: d === null ? null : d / 1000, source: `${r.file}:${r.line_no}`,
  };
}

export const endpointOf = (r: ReportRequestRow): string => `${r.method ?? '-'} ${collapsePath(r.path ?? r.uri)}`;

export function buildTotals(rows: readonly ReportRequestRow[]): Totals {
  const n = rows.length;
  const share = (c: number) => (n === 0 ? 0 : c / n);
  const byVerdict = new Map<string, number>();
  const byFlag = new Map<string, number>();
  for (const r of rows) {
    byVerdict.set(r.verdict, (byVerdict.get(r.verdict) ?? 0) + 1);
    for (const f of FLAGS) if (r[f.id] === 1) byFlag.set(f.id, (byFlag.get(f.id) ?? 0) + 1);
  }
  const failed = rows.filter((r) => FAILED.has(r.verdict)).length;
  const silent = byFlag.get('silent') ?? 0;
  return {
    requests: n, failed, silent, silent_rate: share(silent), failed_rate: share(failed),
    verdicts: VERDICTS.map((v) => ({ id: v.id, failed: v.failed, layer: v.layer, count: byVerdict.get(v.id) ?? 0, share: share(byVerdict.get(v.id) ?? 0) })),
    flags: FLAGS.map((f) => ({ id: f.id, count: byFlag.get(f.id) ?? 0, share: share(byFlag.get(f.id) ?? 0) })),
  };
}

/** The counts `--fail-on` rules read: verdicts, flags, `failed` and `requests`. */
export function ruleCounts(t: Totals): Record<string, number> {
  const out: Record<string, number> = { failed: t.failed, requests: t.requests };
  for (const v of t.verdicts) out[v.id] = v.count;
  for (const f of t.flags) out[f.id] = f.count;
  return out;
}

/** Endpoints ranked by harm (failed + wasted work), then by requests; only those with harm, at most `limit`. */
export function buildEndpoints(rows: readonly ReportRequestRow[], limit = 20): EndpointStat[] {
  const acc = new Map<string, { requests: number; failed: number; silent: number; wasted: number; verdicts: Record<string, number>; example: ReportRequestRow | null }>();
  for (const r of rows) {
    const key = endpointOf(r);
    const e = acc.get(key) ?? { requests: 0, failed: 0, silent: 0, wasted: 0, verdicts: {}, example: null };
    e.requests++;
    e.verdicts[r.verdict] = (e.verdicts[r.verdict] ?? 0) + 1;
    const failed = FAILED.has(r.verdict);
    if (failed) e.failed++;
    if (r.silent === 1) e.silent++;
    if (r.wasted_work === 1) e.wasted++;
    if ((failed || r.wasted_work === 1) && e.example === null) e.example = r;
    acc.set(key, e);
  }
  return [...acc.entries()]
    .map(([endpoint, e]) => ({
      endpoint, requests: e.requests, failed: e.failed, silent: e.silent, wasted: e.wasted, harm: e.failed + e.wasted,
      verdicts: e.verdicts, example: e.example ? refOf(e.example) : null,
    }))
    .filter((e) => e.harm > 0)
    .sort((a, b) => b.harm - a.harm || b.requests - a.requests || a.endpoint.localeCompare(b.endpoint))
    .slice(0, limit);
}

/** Per failed verdict, the piles of durations a clock left. */
export function buildFingerprints(rows: readonly ReportRequestRow[]): Fingerprint[] {
  const out: Fingerprint[] = [];
  for (const v of VERDICTS) {
    if (!v.failed) continue;
    const mine = rows.filter((r) => r.verdict === v.id && durationMs(r) !== null);
    if (mine.length === 0) continue;
    const clusters = findClusters(mine.map((r) => durationMs(r)! / 1000));
    out.push({
      verdict: v.id,
      durations: mine.length,
      clusters: clusters.map((c) => ({
        center_s: c.centerS, low_s: c.lowS, high_s: c.highS, count: c.count, share: r3(c.share),
        knob: nameKnob(v.id, c.centerS), examples: c.members.slice(0, 5).map((i) => refOf(mine[i]!)),
        user_agents: topAgents(c.members.map((i) => mine[i]!.user_agent)),
      })),
    });
  }
  return out;
}

/** The commonest user agents among a cluster's requests: which client's clock it is. */
function topAgents(agents: readonly (string | null)[], n = 3): { agent: string; count: number }[] {
  const m = new Map<string, number>();
  for (const a of agents) m.set(a ?? '-', (m.get(a ?? '-') ?? 0) + 1);
  return [...m.entries()].map(([agent, count]) => ({ agent, count })).sort((a, b) => b.count - a.count || a.agent.localeCompare(b.agent)).slice(0, n);
}

export function buildFailedHistogram(rows: readonly ReportRequestRow[]): Histogram {
  const items = rows.filter((r) => FAILED.has(r.verdict) && durationMs(r) !== null).map((r) => ({ group: r.verdict, durationS: durationMs(r)! / 1000 }));
  const h = buildHistogram(items);
  return { bin_s: h.binS, bins: h.bins.map((b) => ({ start_s: b.startS, total: b.total, counts: b.counts })) };
}

interface AttemptJson { status: number | null; addr: string | null; outcome: string; worker_pid: number | null; worker_event_id: number | null }
const attemptsOf = (r: ReportRequestRow): AttemptJson[] => (r.attempts ? (JSON.parse(r.attempts) as AttemptJson[]) : []);

/** Each worker death with the requests it took, the retries it caused, what blocked it and its replacement. */
export function buildWorkerIncidents(
  rows: readonly ReportRequestRow[], events: readonly ReportWorkerEventRow[], boots: readonly ReportWorkerEventRow[],
): WorkerIncident[] {
  // gunicorn ≥ 21 follows a WORKER TIMEOUT with "terminated due to signal 6" (SIGABRT) for the same pid: one death.
  const deaths = events.filter((ev) => !(ev.event === 'worker_signaled' && events.some((o) =>
    o.event === 'worker_timeout' && o.worker_pid === ev.worker_pid && ev.time_ms - o.time_ms >= 0 && ev.time_ms - o.time_ms <= 2_000)));
  return deaths.map((ev) => {
    const died = rows.filter((r) => r.worker_event_id === ev.id);
    const retried: WorkerIncident['retried'][number][] = [];
    for (const r of rows) {
      const att = attemptsOf(r);
      const i = att.findIndex((a) => a.worker_event_id === ev.id);
      if (i >= 0 && i < att.length - 1) retried.push({ request: refOf(r), next_addr: att[i + 1]!.addr, final_status: r.status });
    }
    // What held the worker: among the requests on it (died with it, or on its pid and never finished), the first to start.
    const pid = ev.worker_pid;
    const onWorker = rows.filter((r) => r.worker_event_id === ev.id ||
      (pid !== null && r.app_pid === pid && r.app_completed !== 1 && (r.start_ms ?? r.end_ms) <= ev.time_ms && r.end_ms >= ev.time_ms - 1000));
    const first = [...onWorker].sort((a, b) => (a.start_ms ?? a.end_ms) - (b.start_ms ?? b.end_ms) || a.id - b.id)[0];
    let blocker: WorkerIncident['blocker'] = null;
    if (first) {
      // gunicorn logs whole seconds: a start "after" the death means it started within that second.
      const ranS = first.start_ms !== null && ev.time_ms >= first.start_ms ? ((ev.time_ms - first.start_ms) / 1000).toFixed(1) : null;
      const others = onWorker.length - 1;
      blocker = {
        request: refOf(first),
        why: `${ranS !== null ? `started ${ranS} s before the ${ev.event === 'worker_timeout' ? 'WORKER TIMEOUT' : 'death'}` : 'was on the worker at its death'}` +
          `${others > 0 ? `, the first of ${onWorker.length} requests on the worker: the others were waiting behind it` : ' and never finished'}`,
      };
    }
    const boot = boots.find((b) => b.time_ms >= ev.time_ms && b.time_ms <= ev.time_ms + 30_000);
    return {
      time: iso(ev.time_ms), event: ev.event, worker_pid: ev.worker_pid, signal: ev.signal, message: ev.message,
      source: `${ev.file}:${ev.line_no}`, died: died.map(refOf), retried, blocker,
      replaced_by: boot ? { pid: boot.worker_pid ?? boot.pid, time: iso(boot.time_ms), source: `${boot.file}:${boot.line_no}` } : null,
    };
  });
}

export function buildWastedWork(rows: readonly ReportRequestRow[]): WastedWork {
  const wasted = rows.filter((r) => r.wasted_work === 1);
  const ms = (r: ReportRequestRow) => r.wasted_ms ?? 0;
  const by = new Map<string, { requests: number; ms: number }>();
  for (const r of wasted) {
    const e = by.get(endpointOf(r)) ?? { requests: 0, ms: 0 };
    e.requests++;
    e.ms += ms(r);
    by.set(endpointOf(r), e);
  }
  return {
    requests: wasted.length,
    total_s: wasted.reduce((s, r) => s + ms(r), 0) / 1000,
    top: [...wasted].sort((a, b) => ms(b) - ms(a) || a.id - b.id).slice(0, 10).map((r) => ({ ...refOf(r), wasted_s: ms(r) / 1000 })),
    by_endpoint: [...by.entries()].map(([endpoint, e]) => ({ endpoint, requests: e.requests, wasted_s: e.ms / 1000 }))
      .sort((a, b) => b.wasted_s - a.wasted_s || a.endpoint.localeCompare(b.endpoint)).slice(0, 10),
  };
}

/** Stalled requests grouped by the request that blocked them; `lookup` finds a blocker outside the rows. */
export function buildStalls(
  rows: readonly ReportRequestRow[],
  lookup: { request: (id: number) => ReportRequestRow | undefined; app: (id: number) => AppBlockerRow | undefined },
): Stall[] {
  const groups = new Map<number, ReportRequestRow[]>();
  for (const r of rows) {
    if (r.stalled !== 1 || r.stalled_by === null) continue;
    groups.set(r.stalled_by, [...(groups.get(r.stalled_by) ?? []), r]);
  }
  return [...groups.entries()].map(([by, victims]) => {
    const blocker = by > 0 ? lookup.request(by) : undefined;
    const app = by < 0 ? lookup.app(-by) : undefined;
    const starts = victims.map((v) => v.start_ms).filter((x): x is number => x !== null);
    const blockerStart = blocker?.start_ms ?? (app?.time_ms != null && app.elapsed_ms != null ? app.time_ms - app.elapsed_ms : null);
    const from = Math.min(...starts, ...(blockerStart !== null ? [blockerStart] : []));
    const elapsed = blocker?.app_elapsed_ms ?? app?.elapsed_ms ?? null;
    return {
      pid: blocker?.app_pid ?? app?.pid ?? victims[0]!.app_pid,
      blocker: blocker ? refOf(blocker) : null,
      blocker_app: app ? { method: app.method, path: app.path, elapsed_s: app.elapsed_ms === null ? null : app.elapsed_ms / 1000, source: `${app.file}:${app.line_no}` } : null,
      blocker_elapsed_s: elapsed === null ? null : elapsed / 1000,
      from: Number.isFinite(from) ? iso(from) : null,
      to: iso(Math.max(...victims.map((v) => v.end_ms))),
      victim_count: victims.length,
      victims: victims.slice(0, 10).map(refOf),
    };
  }).sort((a, b) => (a.from ?? a.to).localeCompare(b.from ?? b.to));
}

/** Across the layers, in time order: nginx errors, gunicorn events, failed requests. */
export function buildTimeline(
  rows: readonly ReportRequestRow[], errors: readonly ReportErrorRow[], events: readonly ReportWorkerEventRow[], limit = 400,
): { entries: TimelineEntry[]; truncated: boolean } {
  const entries: (TimelineEntry & { ms: number })[] = [];
  for (const e of errors) {
    entries.push({ ms: e.time_ms, time: iso(e.time_ms), layer: 'nginx-error', what: `[${e.level}] ${e.message}`, source: `${e.file}:${e.line_no}` });
  }
  for (const e of events) {
    entries.push({ ms: e.time_ms, time: iso(e.time_ms), layer: 'gunicorn', what: e.message, source: `${e.file}:${e.line_no}` });
  }
  for (const r of rows) {
    if (!FAILED.has(r.verdict)) continue;
    const d = durationMs(r);
    entries.push({
      ms: r.end_ms, time: iso(r.end_ms), layer: 'nginx',
      what: `${r.status ?? '-'} ${r.method ?? ''} ${r.uri ?? ''} after ${d === null ? '?' : (d / 1000).toFixed(3)} s: ${r.verdict}${r.silent === 1 ? ' (silent)' : ''}`,
      source: `${r.file}:${r.line_no}`,
    });
  }
  entries.sort((a, b) => a.ms - b.ms || a.source.localeCompare(b.source));
  const truncated = entries.length > limit;
  return { entries: entries.slice(0, limit).map(({ ms: _ms, ...e }) => e), truncated };
}

const BUCKETS_S = [1, 10, 60, 300, 900, 3600, 6 * 3600, 86400];

export function buildOverTime(rows: readonly ReportRequestRow[], maxBuckets = 60): OverTime {
  if (rows.length === 0) return { bucket_s: 60, buckets: [] };
  const first = rows.reduce((m, r) => Math.min(m, r.end_ms), Infinity);
  const last = rows.reduce((m, r) => Math.max(m, r.end_ms), -Infinity);
  const bucketS = BUCKETS_S.find((b) => (last - first) / (b * 1000) < maxBuckets) ?? 86400;
  const size = bucketS * 1000;
  const base = Math.floor(first / size) * size;
  const n = Math.floor((last - base) / size) + 1;
  const buckets = Array.from({ length: n }, (_, i) => ({ start: iso(base + i * size), counts: {} as Record<string, number>, failed_by_layer: {} as Record<string, number> }));
  for (const r of rows) {
    const b = buckets[Math.floor((r.end_ms - base) / size)]!;
    b.counts[r.verdict] = (b.counts[r.verdict] ?? 0) + 1;
    if (FAILED.has(r.verdict)) {
      const layer = LAYER.get(r.verdict) ?? 'nginx';
      b.failed_by_layer[layer] = (b.failed_by_layer[layer] ?? 0) + 1;
    }
  }
  return { bucket_s: bucketS, buckets };
}
