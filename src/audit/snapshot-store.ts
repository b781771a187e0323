/**
 * The timeout chain's snapshots in the store: `droptrace audit --db` (and `analyze --nginx-conf`)
 * save one, `audit --baseline db:latest|db:N` reads one back. What reports ask of them is in
 * report/chain-history.ts.
 */
import type { Db } from '../store/open.js';
import {
  INSERT_CHAIN_SETTING, INSERT_CHAIN_SNAPSHOT, SELECT_CHAIN_SNAPSHOTS, SELECT_SNAPSHOT_SETTINGS, type StoredChainSnapshot,
} from '../store/sql/chain.js';
import { writeTransaction } from '../store/write-lock.js';
import type { ChainSnapshotRow } from './snapshot.js';

export function saveChainSnapshot(db: Db, rows: readonly ChainSnapshotRow[], inputs: string, takenMs: number): number {
  return writeTransaction(db, () => {
    const id = Number(db.prepare(INSERT_CHAIN_SNAPSHOT).run(takenMs, inputs).lastInsertRowid);
    const ins = db.prepare(INSERT_CHAIN_SETTING);
    for (const r of rows) ins.run({ snapshot_id: id, layer: r.layer, server: r.server, location: r.location, setting: r.setting, value_s: r.value_s, value: r.value, source: r.source });
    return id;
  });
}

/** A saved snapshot by id, or the newest by time ('latest'), with its rows; null when there is none. */
export function loadChainSnapshot(db: Db, ref: 'latest' | number): (StoredChainSnapshot & { rows: ChainSnapshotRow[] }) | null {
  const snaps = db.prepare(SELECT_CHAIN_SNAPSHOTS).all() as StoredChainSnapshot[];
  const snap = ref === 'latest' ? snaps[snaps.length - 1] : snaps.find((s) => s.id === ref);
  if (!snap) return null;
  return { ...snap, rows: db.prepare(SELECT_SNAPSHOT_SETTINGS).all(snap.id) as ChainSnapshotRow[] };
}
