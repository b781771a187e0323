/**
 * Every example in parsers/nginx-access/examples.json (run by test/parsers/examples.ts), lnav style:
 * every preset (and the JSON parser) needs an example, and a record example must match exactly one
 * pattern — its own preset, or none of them for custom formats. Every reject says how far it matched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNginxAccessParser, createNginxJsonAccessParser, resolveFormat } from '../../../parsers/nginx-access/parse.js';
import { PRESET_NAMES, isPresetName } from '../../../parsers/nginx-access/presets.js';
import type { EscapeMode } from '../../../parsers/nginx-access/compile.js';
import type { NginxAccessRecord } from '../../../parsers/nginx-access/record.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { readExamples, runExamples, type LineExample } from '../examples.js';

interface Example extends LineExample {
  readonly format: string;
  readonly escape?: EscapeMode;
}

const file = readExamples<Example>('nginx-access');
const { examples } = file;

runExamples<Example, NginxAccessRecord>('nginx-access', file, {
  parserFor: (e) => e.format === 'json'
    ? createNginxJsonAccessParser({ tz: 'UTC' })
    : createNginxAccessParser({ tz: 'UTC', format: e.format, escape: e.escape ?? 'default' }),
  checkReject: (e, r) => assert.ok(r.matchedUpTo !== undefined, `${e.name}: reject without matchedUpTo`),
});

test('every preset and the JSON parser have at least one record example', () => {
  const patterns = [...PRESET_NAMES, 'json'];
  for (const p of patterns) {
    assert.ok(examples.some((e) => e.format === p && e.expect.kind === 'record'), `pattern ${p} has no example`);
  }
  assert.ok(examples.some((e) => !isPresetName(e.format) && e.format !== 'json'), 'no custom-format example');
});

test('each record example matches exactly one pattern', () => {
  for (const e of examples) {
    if (e.expect.kind !== 'record') continue;
    const line = unwrapLine(e.line).inner;
    const matching = PRESET_NAMES.filter((p) => resolveFormat(p, e.escape ?? 'default').regex.test(line));
    if (isPresetName(e.format)) {
      assert.deepEqual(matching, [e.format], `${e.name} matches presets ${matching.join(', ')}`);
    } else {
      assert.deepEqual(matching, [], `${e.name} (custom format) also matches preset ${matching.join(', ')}: use the preset`);
    }
  }
});
