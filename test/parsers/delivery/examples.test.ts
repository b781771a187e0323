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
import { checkResult, readExamples, type ExamplesFile, type Expectation } from '../examples.js';

/** A line's expectation (the one schema of test/parsers/examples.ts) and the layer it went to. */
interface Expect extends Expectation {
  readonly line: number;
  readonly layer: SourceType;
}
interface Example {
  readonly name: string;
  readonly lines: readonly string[];
  readonly chain: readonly string[];
  readonly options?: { readonly type?: SourceType; readonly logFormat?: string; readonly layerOf?: Record<string, LayerGroup> };
  readonly expect: readonly Expect[];
}

const file = readExamples<Example>('delivery') as ExamplesFile<Example> & { readonly tz: string; readonly nowIso: string };

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
      checkResult(r.result, e, `${ex.name} line ${e.line}`, { row: (rec) => rec.row, table: e.table === undefined ? undefined : (rec) => rec.table });
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
