/**
 * The chain as plain rows for the store's `chain_settings` table (store/sql/chain.ts): one row per
 * clock per location, so a report can say "nginx proxy_read_timeout was 30s (nginx.conf:30) when
 * this request got its 504".
 */
import type { ChainSettingValues } from '../store/sql/chain.js';
import type { AuditResult, Layer } from './types.js';

export interface ChainSnapshotRow extends ChainSettingValues {
  readonly layer: Layer;
}

export function chainSnapshotRows(result: AuditResult): ChainSnapshotRow[] {
  return result.chain.flatMap((link) =>
    link.values.map((v) => ({ layer: v.layer, server: link.server, location: link.location, setting: v.setting, value_s: v.value_s, value: v.value, source: v.source })),
  );
}
