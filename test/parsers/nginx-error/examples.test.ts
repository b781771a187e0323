/**
 * Every example in parsers/nginx-error/examples.json: record fields, continuation or reject reason.
 * Coverage both ways: every pattern and every NginxErrorKind rule has an example, and a record
 * example matches exactly one pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNginxErrorParser } from '../../../parsers/nginx-error/parse.js';
import { ERROR_PATTERNS, type ErrorPatternName } from '../../../parsers/nginx-error/patterns.js';
import { CLASSIFY_RULES } from '../../../parsers/nginx-error/classify.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { diffFields, normaliseRecord, readJson } from '../nginx-access/support.js';

interface Example {
  readonly name: string;
  readonly line: string;
  readonly tz?: string;
  readonly expect?: Record<string, unknown>;
  readonly continuation?: boolean;
  readonly reject?: string;
}

const { examples } = readJson<{ examples: Example[] }>('parsers/nginx-error/examples.json');
const patternNames = Object.keys(ERROR_PATTERNS) as ErrorPatternName[];

test('examples have unique names and one expectation each', () => {
  const names = examples.map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
  for (const e of examples) {
    const kinds = [e.expect !== undefined, e.continuation === true, e.reject !== undefined].filter(Boolean).length;
    assert.equal(kinds, 1, `${e.name}: give exactly one of expect, continuation, reject`);
  }
});

for (const e of examples) {
  test(`example ${e.name}`, () => {
    const r = createNginxErrorParser({ tz: e.tz ?? 'UTC' })(e.line);
    if (e.reject !== undefined) {
      assert.equal(r.kind, 'reject', JSON.stringify(r));
      if (r.kind === 'reject') assert.ok(r.reason.includes(e.reject), `reason ${JSON.stringify(r.reason)}`);
      return;
    }
    if (e.continuation) {
      assert.equal(r.kind, 'continuation', JSON.stringify(r));
      return;
    }
    assert.equal(r.kind, 'record', JSON.stringify(r));
    if (r.kind !== 'record') return;
    const actual = { ...normaliseRecord(r.record), pattern: r.pattern };
    const diffs = diffFields(actual, e.expect ?? {});
    assert.deepEqual(diffs, [], `[field, expected, actual] ${JSON.stringify(diffs)}`);
  });
}

test('every pattern has an example and each record example matches exactly one pattern', () => {
  const seen = new Set<string>();
  for (const e of examples) {
    if (e.expect === undefined) continue;
    let line = unwrapLine(e.line).inner;
    const compose = /^[\w.-]+ +\| /.exec(line);
    if (compose && !patternNames.some((p) => ERROR_PATTERNS[p].test(line))) line = line.slice(compose[0].length);
    const matching = patternNames.filter((p) => ERROR_PATTERNS[p].test(line));
    assert.equal(matching.length, 1, `${e.name} matches ${matching.join(', ') || 'no pattern'}`);
    seen.add(matching[0]!);
  }
  for (const p of patternNames) assert.ok(seen.has(p), `pattern ${p} has no example`);
});

test('every classification rule has an example it decides', () => {
  const parse = createNginxErrorParser({ tz: 'UTC' });
  for (const rule of CLASSIFY_RULES) {
    assert.ok(rule.test.test(rule.example), `rule ${rule.kind}: its own example does not match`);
    const decided = examples.some((e) => {
      const r = parse(e.line);
      return r.kind === 'record' && rule.test.test(r.record.message) && r.record.kind === rule.kind;
    });
    assert.ok(decided, `rule ${rule.kind} (${rule.test.source.slice(0, 40)}…) has no example in examples.json`);
  }
});
