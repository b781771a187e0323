/**
 * The audit as a deployment gate: `--fail-on` values and a `--baseline` chain evaluated against one
 * audit result. Pure: the CLI reads the baseline (a file, or a snapshot from the database), prints
 * the messages on stderr and exits 3 when the gate fails.
 */
import { compareChains, describeChange, type ChainChange } from './baseline.js';
import { describeAuditFailOn, findingsFailing, type AuditFailOn } from './fail-on.js';
import { chainSnapshotRows, type ChainSnapshotRow } from './snapshot.js';
import type { AuditResult } from './types.js';

/** Where the baseline comes from: a JSON file, or a snapshot in --db (`db:latest`, `db:7`). */
export type BaselineRef = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'db'; readonly snapshot: 'latest' | number };

export function parseBaselineRef(text: string): { ok: true; value: BaselineRef } | { ok: false; error: string } {
  if (!text.startsWith('db:')) return { ok: true, value: { kind: 'file', path: text } };
  const ref = text.slice(3);
  if (ref === 'latest') return { ok: true, value: { kind: 'db', snapshot: 'latest' } };
  if (/^\d+$/.test(ref)) return { ok: true, value: { kind: 'db', snapshot: Number(ref) } };
  return { ok: false, error: `--baseline ${text}: write db:latest or db:N (a snapshot id of --db), or a file path (./${text} for a file named so)` };
}

export interface Baseline {
  /** "chain.json", "snapshot #3 of x.db (2026-01-02T03:04:05.000Z)": how the messages name it. */
  readonly label: string;
  readonly rows: readonly ChainSnapshotRow[];
}

export interface GateResult {
  readonly failed: boolean;
  readonly changes: readonly ChainChange[];
  /** One line per held --fail-on, then the baseline's summary and one line per change. */
  readonly messages: readonly string[];
}

export function evaluateGate(result: AuditResult, failOn: readonly AuditFailOn[], baseline: Baseline | null): GateResult {
  const messages: string[] = [];
  for (const f of failOn) {
    const hits = findingsFailing(f, result.findings);
    if (hits.length > 0) messages.push(describeAuditFailOn(f, hits));
  }
  const changes = baseline ? compareChains(baseline.rows, chainSnapshotRows(result)) : [];
  if (baseline && changes.length > 0) {
    messages.push(`--baseline ${baseline.label}: ${changes.length} change${changes.length === 1 ? '' : 's'} in the timeout chain (old → new, where each is set):`);
    for (const c of changes) messages.push(`  ${describeChange(c)}`);
  }
  return { failed: messages.length > 0, changes, messages };
}
