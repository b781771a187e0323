/**
 * The timeout chain's snapshots in the store: `droptrace audit --db` (and `analyze --nginx-conf`,
 * auditIntoStore) save one, `audit --baseline db:latest|db:N` reads one back. What reports ask of them is in
 * report/chain-history.ts.
 */
import type { Db } from '../store/open.js';
import {
  INSERT_CHAIN_SETTING, INSERT_CHAIN_SNAPSHOT, SELECT_CHAIN_SNAPSHOTS, SELECT_SNAPSHOT_SETTINGS, type StoredChainSnapshot,
} from '../store/sql/chain.js';
import { writeTransaction } from '../store/write-lock.js';
import { chainSnapshotRows, type ChainSnapshotRow } from './snapshot.js';
import { runAudit, type AuditOptions } from './audit.js';

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

/** The snapshot saved (its id), or why the configs could not be audited. */
export interface AuditIntoStore {
  readonly saved: number | null;
  readonly error: string | null;
}

/**
 * `analyze --nginx-conf … --cmd …`: audits the configs and saves the chain as a snapshot (as `audit
 * --db` does), so the report's recommendations cite the configured values and their file:line. An
 * audit that fails is returned as its message: the logs are still analyzed, on what they show.
 */
export function auditIntoStore(db: Db, opts: AuditOptions, takenMs = Date.now()): AuditIntoStore {
  const outcome = runAudit(opts);
  if (!outcome.ok) {
    const e = outcome.error;
    return { saved: null, error: `${e.where ? `${e.where}: ` : ''}${e.message} (fix: ${e.fix})` };
  }
  const inputs = [opts.nginxConf && `nginx: ${opts.nginxConf}`, opts.gunicornConf && `gunicorn.conf: ${opts.gunicornConf}`, opts.cmd && `cmd: ${opts.cmd}`]
    .filter(Boolean).join('; ');
  return { saved: saveChainSnapshot(db, chainSnapshotRows(outcome.result), inputs, takenMs), error: null };
}
