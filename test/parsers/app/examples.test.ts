/**
 * Every example in parsers/app/examples.json, by name, plus coverage both ways: each middleware
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
import { readExamples } from '../gunicorn/support.js';
import { compilePythonLogFormat, isFormatProblem } from '../../../parsers/app/python-format.js';

interface Example {
  readonly name: string;
  readonly parser: 'text' | 'ndjson';
  readonly line: string;
  readonly tz?: string;
  readonly before?: readonly string[];
  /** --app-log-format the file is read with */
  readonly appLogFormat?: string;
  readonly expect: {
    readonly kind: 'record' | 'continuation' | 'ignored' | 'reject';
    readonly pattern?: string;
    readonly timeIso?: string;
    readonly fields?: Record<string, unknown>;
    readonly reasonIncludes?: string;
  };
}

const file = readExamples<{ tz: string; examples: Example[] }>('app');

function run(ex: Example) {
  const app = ex.appLogFormat === undefined ? null : compilePythonLogFormat(ex.appLogFormat);
  if (isFormatProblem(app)) throw new Error(`${ex.name}: its format does not compile: ${app.reason}`);
  const parse = ex.parser === 'text' ? createAppTextParser({ tz: ex.tz ?? file.tz, appLayouts: app ? [app.layout] : [] }) : createAppNdjsonParser({ tz: ex.tz ?? file.tz });
  for (const b of ex.before ?? []) parse(b);
  return parse(ex.line);
}

for (const ex of file.examples) {
  test(`app example: ${ex.name}`, () => {
    const r = run(ex);
    assert.equal(r.kind, ex.expect.kind, `${ex.name}: ${JSON.stringify(r)}`);
    if (r.kind === 'reject') {
      assert.ok(r.reason.length > 10);
      if (ex.expect.reasonIncludes) assert.ok(r.reason.includes(ex.expect.reasonIncludes), r.reason);
    }
    if (r.kind !== 'record') return;
    if (ex.expect.pattern) assert.equal(r.pattern, ex.expect.pattern);
    const row = r.record as unknown as Record<string, unknown>;
    if (ex.expect.timeIso) assert.equal(row['time'] === null ? null : new Date(row['time'] as number).toISOString(), ex.expect.timeIso);
    for (const [k, v] of Object.entries(ex.expect.fields ?? {})) assert.deepEqual(row[k], v, `${ex.name}: field ${k}`);
  });
}

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
