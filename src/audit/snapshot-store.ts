/**
 * The timeout chain's snapshots in the store: `droptrace audit --db` (and `analyze --nginx-conf`,
 * auditIntoStore; into every shard of a --db directory, auditIntoStores) save one, `audit --baseline db:latest|db:N` reads one back. What reports ask of them is in
 * report/chain-history.ts.
 */
import { closeStore, openStore, type Db } from '../store/open.js';
import {
  INSERT_CHAIN_SETTING, INSERT_CHAIN_SNAPSHOT, SELECT_CHAIN_SNAPSHOTS, SELECT_SNAPSHOT_SETTINGS, type StoredChainSnapshot,
} from '../store/sql/chain.js';
import { writeTransaction, type WaitPolicy } from '../store/write-lock.js';
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

/** The snapshot saved (its id; with several stores, how many took it), or why the configs could not be audited. */
export interface AuditIntoStore {
  readonly saved: number | null;
  readonly error: string | null;
}

/** The configs audited into a snapshot's rows and the line saying what was audited, or why they could not be. */
function auditChain(opts: AuditOptions): { ok: true; rows: ChainSnapshotRow[]; inputs: string } | { ok: false; error: string } {
  const outcome = runAudit(opts);
  if (!outcome.ok) {
    const e = outcome.error;
    return { ok: false, error: `${e.where ? `${e.where}: ` : ''}${e.message} (fix: ${e.fix})` };
  }
  const inputs = [opts.nginxConf && `nginx: ${opts.nginxConf}`, opts.gunicornConf && `gunicorn.conf: ${opts.gunicornConf}`, opts.cmd && `cmd: ${opts.cmd}`]
    .filter(Boolean).join('; ');
  return { ok: true, rows: chainSnapshotRows(outcome.result), inputs };
}

/**
 * `analyze --nginx-conf … --cmd …`: audits the configs and saves the chain as a snapshot (as `audit
 * --db` does), so the report's recommendations cite the configured values and their file:line. An
 * audit that fails is returned as its message: the logs are still analyzed, on what they show.
 */
export function auditIntoStore(db: Db, opts: AuditOptions, takenMs = Date.now()): AuditIntoStore {
  const chain = auditChain(opts);
  if (!chain.ok) return { saved: null, error: chain.error };
  return { saved: saveChainSnapshot(db, chain.rows, chain.inputs, takenMs), error: null };
}

/**
 * `analyze --db DIR/ --nginx-conf … --cmd …`: the configs audited once, and the same snapshot (one
 * time) saved into each shard database the run wrote, so each shard, its export and the fleet report
 * over them cite the chain as one database would (the fleet report keeps the copies once).
 */
export function auditIntoStores(paths: readonly string[], opts: AuditOptions, wait?: WaitPolicy, takenMs = Date.now()): AuditIntoStore {
  const chain = auditChain(opts);
  if (!chain.ok) return { saved: null, error: chain.error };
  return { saved: saveChainSnapshots(paths, chain.rows, chain.inputs, takenMs, wait), error: null };
}

/** One snapshot (one time) saved into each of several databases (the shards of a --db directory); how many took it. */
export function saveChainSnapshots(paths: readonly string[], rows: readonly ChainSnapshotRow[], inputs: string, takenMs: number, wait?: WaitPolicy): number {
  let saved = 0;
  for (const path of paths) {
    const db = openStore(path, { mustExist: true, ...(wait !== undefined ? { wait } : {}) });
    try {
      saveChainSnapshot(db, rows, inputs, takenMs);
      saved++;
    } finally {
      closeStore(db);
    }
  }
  return saved;
}
