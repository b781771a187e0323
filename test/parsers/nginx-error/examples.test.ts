/**
 * Every example in parsers/nginx-error/examples.json (run by test/parsers/examples.ts): record fields,
 * continuation or reject reason. Coverage both ways: every pattern and every NginxErrorKind rule has an
 * example, and a record example matches exactly one pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNginxErrorParser } from '../../../parsers/nginx-error/parse.js';
import { ERROR_PATTERNS, type ErrorPatternName } from '../../../parsers/nginx-error/patterns.js';
import { CLASSIFY_RULES } from '../../../parsers/nginx-error/classify.js';
import type { NginxErrorRecord } from '../../../parsers/nginx-error/record.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { readExamples, runExamples } from '../examples.js';

const file = readExamples('nginx-error');
const { examples } = file;
const patternNames = Object.keys(ERROR_PATTERNS) as ErrorPatternName[];

runExamples<(typeof examples)[number], NginxErrorRecord>('nginx-error', file, {
  parserFor: (e, f) => createNginxErrorParser({ tz: e.tz ?? f.tz ?? 'UTC' }),
});

test('every pattern has an example and each record example matches exactly one pattern', () => {
  const seen = new Set<string>();
  for (const e of examples) {
    if (e.expect.kind !== 'record') continue;
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
