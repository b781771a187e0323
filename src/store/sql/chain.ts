/**
 * Timeout-chain snapshots (`droptrace audit --db`): the effective value of every clock per nginx
 * location at the time the audit ran, so reports can name the directive behind a timeout
 * fingerprint and show when a deployment changed one. Row types: ChainSnapshotRow (audit/snapshot.ts),
 * StoredChainSetting below.
 */
export const CHAIN_MIGRATION = `
  CREATE TABLE chain_snapshots (
    id        INTEGER PRIMARY KEY,
    taken_ms  INTEGER NOT NULL,   -- when the configs were in force (audit time, or --at)
    inputs    TEXT NOT NULL       -- what was audited: the config paths / command, for the record
  );
  CREATE TABLE chain_settings (
    snapshot_id INTEGER NOT NULL REFERENCES chain_snapshots(id),
    layer     TEXT NOT NULL,      -- client | lb | nginx | gunicorn | uvicorn
    server    TEXT NOT NULL,
    location  TEXT NOT NULL,
    setting   TEXT NOT NULL,      -- proxy_read_timeout, timeout, keepalive …
    value_s   REAL,               -- the value in seconds for durations, else null
    value     TEXT NOT NULL,      -- the value as written
    source    TEXT NOT NULL       -- file:line, or "default"
  );
  CREATE INDEX chain_settings_snapshot ON chain_settings(snapshot_id);
`;

/** One clock of one location, as a snapshot writes it (audit's ChainSnapshotRow narrows `layer`). */
export interface ChainSettingValues {
  readonly layer: string;
  readonly server: string;
  readonly location: string;
  readonly setting: string;
  readonly value_s: number | null;
  /** The value as written; for settings that are not durations (proxy_http_version, worker_class). */
  readonly value: string;
  readonly source: string;
}

/** A stored setting, with the snapshot it belongs to. */
export interface StoredChainSetting extends ChainSettingValues {
  readonly snapshot_id: number;
  readonly taken_ms: number;
}

export const INSERT_CHAIN_SNAPSHOT = 'INSERT INTO chain_snapshots (taken_ms, inputs) VALUES (?, ?)';
export const INSERT_CHAIN_SETTING = `INSERT INTO chain_settings (snapshot_id, layer, server, location, setting, value_s, value, source)
  VALUES (@snapshot_id, @layer, @server, @location, @setting, @value_s, @value, @source)`;

/** Every stored setting, oldest snapshot first. */
export const SELECT_CHAIN_SETTINGS = `
  SELECT s.snapshot_id, c.taken_ms, s.layer, s.server, s.location, s.setting, s.value_s, s.value, s.source
  FROM chain_settings s JOIN chain_snapshots c ON c.id = s.snapshot_id
  ORDER BY c.taken_ms, c.id, s.rowid`;

/** Requests and failures between two instants: the failure rate before and after a change. */
export const SELECT_FAILURE_RATE = `
  SELECT count(*) AS requests, coalesce(sum(verdict <> 'ok'), 0) AS failed
  FROM request_verdicts WHERE end_ms >= ? AND end_ms < ?`;

/** The snapshots, oldest first: `audit --baseline db:latest` takes the last, `db:N` the one with id N. */
export const SELECT_CHAIN_SNAPSHOTS = 'SELECT id, taken_ms, inputs FROM chain_snapshots ORDER BY taken_ms, id';

export interface StoredChainSnapshot {
  readonly id: number;
  readonly taken_ms: number;
  readonly inputs: string;
}

/** One snapshot's settings in the order they were saved. */
export const SELECT_SNAPSHOT_SETTINGS = `
  SELECT layer, server, location, setting, value_s, value, source
  FROM chain_settings WHERE snapshot_id = ? ORDER BY rowid`;
