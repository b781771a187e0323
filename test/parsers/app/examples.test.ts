/**
 * Every example in parsers/app/examples.json (run by test/parsers/examples.ts), plus coverage both ways: each middleware
 * pattern, each Python layout the text parser knows... (those the app file is likely to use) and the
 * NDJSON field table have an example; no text example matches two layouts or two middleware patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppNdjsonParser, createAppTextParser } from '../../../parsers/app/parse.js';
import { matchingPythonLayouts } from '../../../parsers/app/python-logging.js';
import { MIDDLEWARE_PATTERNS } from '../../../parsers/app/text.js';
import { NDJSON_DURATIONS, NDJSON_FIELDS } from '../../../parsers/app/ndjson.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { readExamples, runExamples, type ExamplesFile, type LineExample } from '../examples.js';
import { compilePythonLogFormat, isFormatProblem } from '../../../parsers/app/python-format.js';
import type { AppRequestRecord } from '../../../parsers/app/record.js';

interface Example extends LineExample {
  readonly parser: 'text' | 'ndjson';
  /** --app-log-format the file is read with */
  readonly appLogFormat?: string;
}

const file = readExamples<Example>('app');

function parserFor(ex: Example, f: ExamplesFile<Example>) {
  const app = ex.appLogFormat === undefined ? null : compilePythonLogFormat(ex.appLogFormat);
  if (isFormatProblem(app)) throw new Error(`${ex.name}: its format does not compile: ${app.reason}`);
  const tz = ex.tz ?? f.tz ?? 'UTC';
  return ex.parser === 'text' ? createAppTextParser({ tz, appLayouts: app ? [app.layout] : [] }) : createAppNdjsonParser({ tz });
}

runExamples<Example, AppRequestRecord>('app', file, { parserFor });

test('app examples: every middleware pattern has an example', () => {
  const used = new Set(file.examples.flatMap((e) => (e.expect.pattern ?? '').split('/')));
  assert.deepEqual(MIDDLEWARE_PATTERNS.map((p) => p.name).filter((n) => !used.has(n)), []);
});

test('app examples: every NDJSON field name and duration name appears in an example', () => {
  const lines = file.examples.filter((e) => e.parser === 'ndjson').map((e) => e.line);
  const names = [...Object.values(NDJSON_FIELDS).flat(), ...NDJSON_DURATIONS.map((d) => d.name)];
  // Names covered by the unit tests below instead of an example line: say so, do not skip silently.
  const coveredElsewhere = new Set(['http_method', 'client_addr', 'remote_addr', 'levelname', 'severity', 'logger_name', 'name', 'exception', 'latency_ms', 'latency_s']);
  const missing = names.filter((n) => !coveredElsewhere.has(n) && !lines.some((l) => l.includes(`"${n}":`)));
  assert.deepEqual(missing, []);
});

test('app examples: no text example matches two layouts', () => {
  for (const ex of file.examples.filter((e) => e.parser === 'text')) {
    const m = matchingPythonLayouts(unwrapLine(ex.line).inner);
    assert.ok(m.length <= 1, `${ex.name}: ${m.join(', ')}`);
  }
});

test('ndjson: alias names map as the table says', () => {
  const parse = createAppNdjsonParser({ tz: 'UTC' });
  const r = parse('{"http_method":"GET","path":"/a","client_addr":"127.0.0.1","levelname":"WARNING","logger_name":"x","exception":{"type":"E"},"latency_ms":5}');
  assert.equal(r.kind, 'record');
  if (r.kind !== 'record') return;
  assert.equal(r.record.method, 'GET');
  assert.equal(r.record.client, '127.0.0.1');
  assert.equal(r.record.level, 'warning');
  assert.equal(r.record.logger, 'x');
  assert.equal(r.record.error, '{"type":"E"}');
  assert.equal(r.record.elapsed, 5);
  const s = parse('{"method":"GET","path":"/a","remote_addr":"127.0.0.2","severity":"ERROR","name":"y","latency_s":"250us"}');
  assert.equal(s.kind, 'record');
  if (s.kind !== 'record') return;
  assert.equal(s.record.client, '127.0.0.2');
  assert.equal(s.record.level, 'error');
  assert.equal(s.record.logger, 'y');
  assert.equal(s.record.elapsed, 0);
});
