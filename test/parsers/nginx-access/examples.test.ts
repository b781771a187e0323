/**
 * Every example in parsers/nginx-access/examples.json, lnav style: each record example must yield its
 * fields, each reject example its reason; every preset (and the JSON parser) needs an example, and a
 * record example must match exactly one pattern — its own preset, or none of them for custom formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNginxAccessParser, createNginxJsonAccessParser, resolveFormat } from '../../../parsers/nginx-access/parse.js';
import { PRESET_NAMES, isPresetName } from '../../../parsers/nginx-access/presets.js';
import type { EscapeMode } from '../../../parsers/nginx-access/compile.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { diffFields, normaliseRecord, readJson } from './support.js';

interface Example {
  readonly name: string;
  readonly format: string;
  readonly escape?: EscapeMode;
  readonly line: string;
  readonly expect?: Record<string, unknown>;
  readonly reject?: string;
}

const { examples } = readJson<{ examples: Example[] }>('parsers/nginx-access/examples.json');

function parserFor(e: Example) {
  return e.format === 'json'
    ? createNginxJsonAccessParser({ tz: 'UTC' })
    : createNginxAccessParser({ tz: 'UTC', format: e.format, escape: e.escape ?? 'default' });
}

test('examples have unique names that state an edge', () => {
  const names = examples.map((e) => e.name);
  assert.equal(new Set(names).size, names.length, 'duplicate example names');
  for (const e of examples) {
    assert.match(e.name, /^[a-z0-9_]+$/, `example name ${e.name}`);
    assert.ok((e.expect === undefined) !== (e.reject === undefined), `${e.name}: give expect or reject, not both`);
  }
});

for (const e of examples) {
  test(`example ${e.name}`, () => {
    const r = parserFor(e)(e.line);
    if (e.reject !== undefined) {
      assert.equal(r.kind, 'reject', `${e.name} should be rejected, got ${JSON.stringify(r)}`);
      if (r.kind === 'reject') {
        assert.ok(r.reason.includes(e.reject), `${e.name}: reason ${JSON.stringify(r.reason)} lacks ${JSON.stringify(e.reject)}`);
        assert.ok(r.matchedUpTo !== undefined, `${e.name}: reject without matchedUpTo`);
      }
      return;
    }
    assert.equal(r.kind, 'record', `${e.name}: ${JSON.stringify(r)}`);
    if (r.kind !== 'record') return;
    const diffs = diffFields(normaliseRecord(r.record), e.expect ?? {});
    assert.deepEqual(diffs, [], `${e.name}: [field, expected, actual] ${JSON.stringify(diffs)}`);
  });
}

test('every preset and the JSON parser have at least one record example', () => {
  const patterns = [...PRESET_NAMES, 'json'];
  for (const p of patterns) {
    assert.ok(examples.some((e) => e.format === p && e.expect !== undefined), `pattern ${p} has no example`);
  }
  assert.ok(examples.some((e) => !isPresetName(e.format) && e.format !== 'json'), 'no custom-format example');
});

test('each record example matches exactly one pattern', () => {
  for (const e of examples) {
    if (e.expect === undefined) continue;
    const line = unwrapLine(e.line).inner;
    const matching = PRESET_NAMES.filter((p) => resolveFormat(p, e.escape ?? 'default').regex.test(line));
    if (isPresetName(e.format)) {
      assert.deepEqual(matching, [e.format], `${e.name} matches presets ${matching.join(', ')}`);
    } else {
      assert.deepEqual(matching, [], `${e.name} (custom format) also matches preset ${matching.join(', ')}: use the preset`);
    }
  }
});
