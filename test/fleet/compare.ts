/**
 * Comparing a sharded run with one database, request by request: each `requests` contract record
 * keyed by its source file:line (ids number rows per database, so they are left out), read from the
 * NDJSON of one database or from an exported dataset.
 */
import assert from 'node:assert/strict';
import { queryDataset } from '../../src/fleet/dataset.js';

export type ContractRecord = Record<string, unknown>;

/** Each request's contract record by its source line, without the ids that number it per database. */
export function byLine(ndjson: string[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of ndjson) {
    const r = JSON.parse(line) as Record<string, unknown> & { source: { file: string; line: number } };
    const { id: _id, stalled_by: _s, ...rest } = r;
    const key = `${r.source.file}:${r.source.line}`;
    assert.ok(!out.has(key), `${key} counted twice`);
    out.set(key, rest);
  }
  return out;
}

/**
 * The dataset's requests as contract records by source line: every contract field of `single` must be
 * a column; nested values (attempts, app, worker, source …) are JSON text there.
 */
export async function datasetByLine(dataset: string, single: ReadonlyMap<string, ContractRecord>): Promise<Map<string, ContractRecord>> {
  const exported = await queryDataset(dataset, 'SELECT * EXCLUDE (date, stack, "table") FROM requests ORDER BY end_ms, id');
  // every contract field is a column; nested values (attempts, app, worker, source …) are JSON text
  const contract = Object.keys(single.values().next().value!);
  const nested = new Set(contract.filter((k) => [...single.values()].some((r) => typeof r[k] === 'object' && r[k] !== null)));
  return byLine(exported.rows.map((r) => JSON.stringify(Object.fromEntries(['id', 'stalled_by', ...contract].map((k) => {
    assert.ok(k in r, `the dataset has the contract's field ${k}`);
    const v = r[k];
    return [k, nested.has(k) && typeof v === 'string' ? JSON.parse(v) : v];
  })))));
}
