/**
 * parsers/delivery/examples.json: each example is a small file as a command delivers it. The reading
 * is chosen as the ingest chooses it (from all the lines), then every line is read: the layer it went
 * to, the parse result and the time. Coverage both ways: every wrapper has an example, and every
 * example's chain is one the ingest tries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READINGS, WRAPPERS } from '../../../parsers/delivery/wrappers.js';
import { chooseReading } from '../../../src/ingest/choose-reading.js';
import { createLineReader, type RoutedResult } from '../../../src/ingest/line-reader.js';
import { parseAccessFormat } from '../../../src/ingest/access-format.js';
import type { SourceType } from '../../../src/ingest/detect.js';
import type { LayerGroup } from '../../../src/ingest/reading.js';
import { readExamples } from '../gunicorn/support.js';

interface Expect {
  readonly line: number;
  readonly layer: SourceType;
  readonly kind?: 'record' | 'continuation';
  readonly pattern?: string;
  readonly table?: string;
  readonly timeIso?: string;
  readonly fields?: Record<string, unknown>;
}
interface Example {
  readonly name: string;
  readonly lines: readonly string[];
  readonly chain: readonly string[];
  readonly options?: { readonly type?: SourceType; readonly logFormat?: string; readonly layerOf?: Record<string, LayerGroup> };
  readonly expect: readonly Expect[];
}

const file = readExamples<{ tz: string; nowIso: string; examples: Example[] }>('delivery');

function readAll(ex: Example): { chain: readonly string[]; results: RoutedResult[][] } {
  const o = ex.options ?? {};
  const choice = chooseReading(ex.lines, {
    type: o.type ?? 'auto', tz: file.tz, access: o.logFormat ? parseAccessFormat(o.logFormat) : null,
    layerOf: o.layerOf ?? {}, nowMs: Date.parse(file.nowIso),
  });
  assert.ok(choice.ok, `${ex.name}: no reading: ${choice.ok ? '' : choice.reason}`);
  if (!choice.ok) throw new Error('unreachable');
  const reader = createLineReader(choice.reading, { tz: file.tz, year: choice.year, layerOf: o.layerOf ?? {} });
  return { chain: choice.reading.chain, results: ex.lines.map((l) => [...reader.read(l)]) };
}

for (const ex of file.examples) {
  test(`delivery example: ${ex.name}`, () => {
    const { chain, results } = readAll(ex);
    assert.deepEqual(chain, ex.chain, `${ex.name}: chosen reading`);
    for (const [i, rs] of results.entries()) {
      for (const r of rs) assert.notEqual(r.result.kind, 'reject', `${ex.name} line ${i}: ${JSON.stringify(r.result)}`);
    }
    for (const e of ex.expect) {
      const rs = results[e.line] ?? [];
      assert.equal(rs.length, 1, `${ex.name} line ${e.line}: ${rs.length} results`);
      const r = rs[0]!;
      assert.equal(r.layer, e.layer, `${ex.name} line ${e.line}: layer`);
      assert.equal(r.result.kind, e.kind ?? 'record', `${ex.name} line ${e.line}: ${JSON.stringify(r.result)}`);
      if (r.result.kind !== 'record') continue;
      if (e.pattern) assert.equal(r.result.pattern, e.pattern, `${ex.name} line ${e.line}: pattern`);
      if (e.table) assert.equal(r.result.record.table, e.table);
      const row = r.result.record.row as unknown as Record<string, unknown>;
      if (e.timeIso) assert.equal(row['time'] === null ? null : new Date(row['time'] as number).toISOString(), e.timeIso, `${ex.name} line ${e.line}: time`);
      for (const [k, v] of Object.entries(e.fields ?? {})) assert.deepEqual(row[k], v, `${ex.name} line ${e.line}: field ${k}`);
    }
  });
}

test('delivery examples: every wrapper has an example, every example chain is a reading the ingest tries', () => {
  const used = new Set(file.examples.flatMap((e) => e.chain));
  assert.deepEqual(WRAPPERS.map((w) => w.id).filter((id) => !used.has(id)), []);
  const tried = new Set(['', ...READINGS.map((r) => r.join('+'))]);
  for (const e of file.examples) assert.ok(tried.has(e.chain.join('+')), `${e.name}: chain ${e.chain.join('+')} is not in READINGS`);
});

test('delivery examples: names are unique', () => {
  const names = file.examples.map((e) => e.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});
