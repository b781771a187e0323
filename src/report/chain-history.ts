/**
 * The timeout chain over time, as reports read it: which configured clock a pile of failures
 * matches, and when a clock changed between snapshots with the failure rate before and after (a
 * deploy that silently reset a timeout). The snapshots are saved by `droptrace audit --db` and
 * `analyze --nginx-conf` (audit/snapshot-store.ts).
 */
import type { Db } from '../store/open.js';
import { SELECT_CHAIN_SETTINGS, SELECT_FAILURE_RATE, type StoredChainSetting } from '../store/sql/chain.js';
import { isoUtc } from '../domain/units.js';

export function loadChainSettings(db: Db): StoredChainSetting[] {
  return db.prepare(SELECT_CHAIN_SETTINGS).all() as StoredChainSetting[];
}

/** The clocks that can end a request of each verdict: the ones a fingerprint of that verdict may name. */
const CLOCKS_BY_VERDICT: Readonly<Record<string, readonly string[]>> = {
  proxy_timeout: ['proxy_read_timeout', 'proxy_send_timeout', 'proxy_connect_timeout', 'proxy_next_upstream_timeout'],
  client_abort: ['idle timeout', 'client timeout', 'keepalive_timeout', 'send_timeout', 'client_body_timeout'],
  worker_timeout: ['timeout'],
};

export interface DirectiveMatch {
  readonly layer: string;
  readonly setting: string;
  readonly value_s: number;
  /** 2 when the pile sits at twice the value: nginx tried the next server and it timed out again */
  readonly multiple: number;
  readonly server: string;
  readonly location: string;
  readonly source: string;
  readonly snapshot_taken: string;
}

/**
 * The configured clock behind a pile of failures ending around `centerS` (low…high), from the
 * newest snapshot taken at or before `atMs` (or the oldest one if all are later). nginx retries a
 * timed-out request on the next server, so a pile at k × proxy_read_timeout matches too.
 */
export function matchDirective(
  settings: readonly StoredChainSetting[], verdict: string, lowS: number, highS: number, atMs: number, skipLayers: readonly string[] = [],
): DirectiveMatch | null {
  const snapshotIds = [...new Set(settings.map((s) => s.snapshot_id))];
  if (snapshotIds.length === 0) return null;
  const taken = new Map(settings.map((s) => [s.snapshot_id, s.taken_ms]));
  const before = snapshotIds.filter((id) => taken.get(id)! <= atMs);
  const snap = before.length ? before[before.length - 1]! : snapshotIds[0]!;
  const clocks = CLOCKS_BY_VERDICT[verdict];
  if (!clocks) return null;
  const tolerance = 0.6;
  let best: DirectiveMatch | null = null;
  let bestCost = Infinity;
  for (const s of settings) {
    if (s.snapshot_id !== snap || s.value_s === null || s.value_s <= 0 || !clocks.includes(s.setting) || skipLayers.includes(s.layer)) continue;
    for (const k of s.layer === 'nginx' && s.setting === 'proxy_read_timeout' ? [1, 2, 3] : [1]) {
      const v = s.value_s * k;
      // gunicorn's heartbeat lets an async worker die anywhere from timeout/2 to timeout past the block.
      const lo = s.setting === 'timeout' && s.layer === 'gunicorn' ? v / 2 - 1 : v - tolerance;
      const hi = v + tolerance;
      if (highS < lo || lowS > hi) continue;
      const cost = Math.abs((lowS + highS) / 2 - v) + (k - 1) * 0.5;
      if (cost < bestCost) {
        bestCost = cost;
        best = { layer: s.layer, setting: s.setting, value_s: s.value_s, multiple: k, server: s.server, location: s.location, source: s.source, snapshot_taken: isoUtc(s.taken_ms) };
      }
    }
  }
  return best;
}

export function describeDirective(d: DirectiveMatch): string {
  const times = d.multiple > 1 ? `${d.multiple} × ` : '';
  const retry = d.multiple > 1 ? ', retried on the next server' : '';
  return `${times}${d.layer} ${d.setting} ${d.value_s}s (${d.source}, ${d.server} ${d.location}${retry})`;
}

export interface TimeoutChange {
  /** The change happened between the snapshot at `since` and the one at `at` */
  readonly since: string;
  readonly at: string;
  readonly layer: string;
  readonly server: string;
  readonly location: string;
  readonly setting: string;
  readonly from: string;
  readonly to: string;
  readonly from_source: string;
  readonly to_source: string;
  readonly before: { readonly requests: number; readonly failed: number; readonly failed_rate: number };
  readonly after: { readonly requests: number; readonly failed: number; readonly failed_rate: number };
}

/** Settings whose value differs between consecutive snapshots, with the failure rate on each side. */
export function timeoutChanges(db: Db, settings: readonly StoredChainSetting[]): TimeoutChange[] {
  const bySnap = new Map<number, StoredChainSetting[]>();
  for (const s of settings) {
    const arr = bySnap.get(s.snapshot_id) ?? [];
    arr.push(s);
    bySnap.set(s.snapshot_id, arr);
  }
  const snaps = [...bySnap.entries()];
  const rate = db.prepare(SELECT_FAILURE_RATE);
  const side = (from: number, to: number) => {
    const r = rate.get(from, to) as { requests: number; failed: number };
    return { requests: r.requests, failed: r.failed, failed_rate: r.requests ? r.failed / r.requests : 0 };
  };
  const out: TimeoutChange[] = [];
  for (let i = 1; i < snaps.length; i++) {
    const [, prev] = snaps[i - 1]!;
    const [, cur] = snaps[i]!;
    const key = (s: StoredChainSetting) => `${s.layer}|${s.server}|${s.location}|${s.setting}`;
    const old = new Map(prev.map((s) => [key(s), s]));
    const prevAt = prev[0]!.taken_ms;
    const at = cur[0]!.taken_ms;
    const nextAt = i + 1 < snaps.length ? snaps[i + 1]![1][0]!.taken_ms : 8.64e15;
    for (const s of cur) {
      const o = old.get(key(s));
      if (!o || o.value === s.value) continue;
      out.push({
        since: isoUtc(prevAt), at: isoUtc(at), layer: s.layer, server: s.server, location: s.location, setting: s.setting,
        from: o.value, to: s.value, from_source: o.source, to_source: s.source,
        before: side(prevAt, at), after: side(at, nextAt),
      });
    }
  }
  return out;
}
