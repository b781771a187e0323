/**
 * The chain as plain rows for the store (a `chain_snapshot` table is the store engineer's to
 * define): one row per clock per location, so a report can say "nginx proxy_read_timeout was 30s
 * (nginx.conf:30) when this request got its 504".
 */
import type { AuditResult, Layer } from './types.js';

export interface ChainSnapshotRow {
  readonly layer: Layer;
  readonly server: string;
  readonly location: string;
  readonly setting: string;
  readonly value_s: number | null;
  /** The value as written; for settings that are not durations (proxy_http_version, worker_class). */
  readonly value: string;
  readonly source: string;
}

export function chainSnapshotRows(result: AuditResult): ChainSnapshotRow[] {
  return result.chain.flatMap((link) =>
    link.values.map((v) => ({ layer: v.layer, server: link.server, location: link.location, setting: v.setting, value_s: v.value_s, value: v.value, source: v.source })),
  );
}
