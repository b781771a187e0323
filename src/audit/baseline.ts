/**
 * The chain against a baseline: this audit's effective clocks compared with a saved chain (the
 * `--format json` output of an earlier audit, or a snapshot `audit --db` stored), so a deploy that
 * silently changed a timeout fails before it ships. Values are compared per layer, server, location
 * and setting, never by where they are written: a directive moved into another include (or an
 * HAProxy timeout into its defaults section), or `60s` rewritten as `1m`, is the same chain. Sources are carried only to say where each value was set.
 */
import { parseNginxTime } from '../nginx-conf/time.js';
import { chainSnapshotRows, type ChainSnapshotRow } from './snapshot.js';
import type { AuditResult } from './types.js';

export interface BaselineValue {
  readonly value: string;
  readonly source: string;
}

export interface ChainChange {
  /** `location-added`/`location-removed`: a whole proxied location with every clock in it. */
  readonly kind: 'changed' | 'added' | 'removed' | 'location-added' | 'location-removed';
  readonly layer: string;
  readonly server: string;
  readonly location: string;
  /** Empty for the location kinds. */
  readonly setting: string;
  readonly old: BaselineValue | null;
  readonly new: BaselineValue | null;
}

/** "1m" and "60s" are one clock; "error timeout" stays text. Each space-separated token on its own. */
function effective(value: string): string {
  return value
    .split(/\s+/)
    .map((t) => {
      const p = parseNginxTime(t);
      return p.ok ? `${p.seconds}s` : t;
    })
    .join(' ');
}

/**
 * One clock or two? Durations compare by seconds; nginx values also token by token (`keepalive_timeout
 * 65 60` carries a second clock, and they are nginx syntax). Other layers' values carry their own
 * words ("timeout server 8000 (backend be)": HAProxy milliseconds, the section it came from), so
 * their seconds decide when there are any, else their text.
 */
function sameValue(o: ChainSnapshotRow, n: ChainSnapshotRow): boolean {
  const os = o.value_s ?? null;
  const ns = n.value_s ?? null;
  if (os !== null && ns !== null && os !== ns) return false;
  if (o.layer === 'nginx') return effective(o.value) === effective(n.value);
  return os !== null && ns !== null ? true : o.value === n.value;
}

const locKey = (r: ChainSnapshotRow): string => `${r.server}\u0000${r.location}`;

/** Rows grouped by layer/server/location/setting; a key seen twice (two servers with one name) keeps its order. */
function byKey(rows: readonly ChainSnapshotRow[]): Map<string, ChainSnapshotRow> {
  const out = new Map<string, ChainSnapshotRow>();
  for (const r of rows) {
    const base = `${r.layer}\u0000${r.server}\u0000${r.location}\u0000${r.setting}`;
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}\u0000${n}`;
    out.set(key, r);
  }
  return out;
}

export function compareChains(baseline: readonly ChainSnapshotRow[], current: readonly ChainSnapshotRow[]): ChainChange[] {
  const oldLocs = new Set(baseline.map(locKey));
  const newLocs = new Set(current.map(locKey));
  const out: ChainChange[] = [];
  const seenLoc = new Set<string>();
  const loc = (kind: 'location-added' | 'location-removed', r: ChainSnapshotRow): void => {
    if (seenLoc.has(`${kind}${locKey(r)}`)) return;
    seenLoc.add(`${kind}${locKey(r)}`);
    out.push({ kind, layer: r.layer, server: r.server, location: r.location, setting: '', old: null, new: null });
  };
  const olds = byKey(baseline);
  const news = byKey(current);
  for (const [key, o] of olds) {
    const n = news.get(key);
    const was = { value: o.value, source: o.source };
    if (!newLocs.has(locKey(o))) loc('location-removed', o);
    else if (!n) out.push({ kind: 'removed', layer: o.layer, server: o.server, location: o.location, setting: o.setting, old: was, new: null });
    else if (!sameValue(o, n)) out.push({ kind: 'changed', layer: o.layer, server: o.server, location: o.location, setting: o.setting, old: was, new: { value: n.value, source: n.source } });
  }
  for (const [key, n] of news) {
    if (olds.has(key)) continue;
    if (!oldLocs.has(locKey(n))) loc('location-added', n);
    else out.push({ kind: 'added', layer: n.layer, server: n.server, location: n.location, setting: n.setting, old: null, new: { value: n.value, source: n.source } });
  }
  return out;
}

const shown = (v: BaselineValue): string => `${v.value === '' ? '""' : v.value} (${v.source})`;

/** One line per change: layer, server and location, setting, old → new, each with where it is set. */
export function describeChange(c: ChainChange): string {
  const where = `${c.server} ${c.location}`;
  switch (c.kind) {
    case 'changed':
      return `${c.layer} ${c.setting} in ${where}: ${shown(c.old as BaselineValue)} → ${shown(c.new as BaselineValue)}`;
    case 'added':
      return `${c.layer} ${c.setting} in ${where}: not in the baseline → ${shown(c.new as BaselineValue)}`;
    case 'removed':
      return `${c.layer} ${c.setting} in ${where}: ${shown(c.old as BaselineValue)} → no longer in the chain`;
    case 'location-added':
      return `${where}: a proxied location the baseline does not have`;
    case 'location-removed':
      return `${where}: a proxied location of the baseline is gone`;
  }
}

type Parsed = { readonly ok: true; readonly rows: ChainSnapshotRow[] } | { readonly ok: false; readonly reason: string };

/** The `--format json` output of an earlier audit → its chain rows, or why the text is not one. */
export function parseBaselineJson(text: string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const chain = (doc as { chain?: unknown } | null)?.chain;
  if (!Array.isArray(chain)) return { ok: false, reason: 'no "chain" array: not the `--format json` output of droptrace audit' };
  const str = (x: unknown): boolean => typeof x === 'string';
  for (const [i, link] of chain.entries()) {
    const l = link as { server?: unknown; location?: unknown; values?: unknown };
    if (!str(l?.server) || !str(l?.location) || !Array.isArray(l?.values)) return { ok: false, reason: `chain[${i}] lacks server, location or values` };
    for (const [j, v] of (l.values as unknown[]).entries()) {
      const x = v as Record<string, unknown>;
      if (!str(x?.layer) || !str(x?.setting) || !str(x?.value) || !str(x?.source)) return { ok: false, reason: `chain[${i}].values[${j}] lacks layer, setting, value or source` };
    }
  }
  return { ok: true, rows: chainSnapshotRows(doc as AuditResult) };
}
