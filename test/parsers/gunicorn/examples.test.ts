/**
 * Every example in parsers/gunicorn/examples.json, by name, plus coverage both ways (lnav's rule):
 * each layout and each message pattern has an example, and no example line matches two layouts or
 * two message patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGunicornParser, matchingLayouts, matchingMessagePatterns } from '../../../parsers/gunicorn/parse.js';
import { LAYOUTS, MESSAGES } from '../../../parsers/gunicorn/patterns.js';
import { PYTHON_LAYOUTS, matchingPythonLayouts } from '../../../parsers/app/python-logging.js';
import { MIDDLEWARE_PATTERNS, matchMiddlewareMessage } from '../../../parsers/app/text.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { readExamples } from './support.js';
import { compilePythonLogFormat, isFormatProblem } from '../../../parsers/app/python-format.js';
import { compileGunicornAccessFormat } from '../../../parsers/gunicorn/access-format.js';

interface Example {
  readonly name: string;
  readonly line: string;
  readonly tz?: string;
  readonly before?: readonly string[];
  /** --app-log-format / gunicorn's access_log_format the stream is read with */
  readonly appLogFormat?: string;
  readonly accessLogFormat?: string;
  readonly expect: {
    readonly kind: 'record' | 'continuation' | 'ignored' | 'reject';
    readonly table?: 'server' | 'app';
    readonly pattern?: string;
    readonly timeIso?: string;
    readonly fields?: Record<string, unknown>;
    readonly reasonIncludes?: string;
  };
}

const file = readExamples<{ tz: string; examples: Example[] }>('gunicorn');

function run(ex: Example) {
  const app = ex.appLogFormat === undefined ? null : compilePythonLogFormat(ex.appLogFormat);
  const access = ex.accessLogFormat === undefined ? null : compileGunicornAccessFormat(ex.accessLogFormat);
  if (isFormatProblem(app) || isFormatProblem(access)) throw new Error(`${ex.name}: its format does not compile: ${JSON.stringify(app ?? access)}`);
  const parse = createGunicornParser({ tz: ex.tz ?? file.tz, appLayouts: app ? [app.layout] : [], accessFormat: access });
  for (const b of ex.before ?? []) parse(b);
  return parse(ex.line);
}

for (const ex of file.examples) {
  test(`gunicorn example: ${ex.name}`, () => {
    const r = run(ex);
    assert.equal(r.kind, ex.expect.kind, `${ex.name}: ${JSON.stringify(r)}`);
    if (r.kind === 'reject') {
      assert.ok(r.reason.length > 10);
      if (ex.expect.reasonIncludes) assert.ok(r.reason.includes(ex.expect.reasonIncludes), r.reason);
    }
    if (r.kind !== 'record') return;
    assert.equal(r.record.table, ex.expect.table);
    if (ex.expect.pattern) assert.equal(r.pattern, ex.expect.pattern);
    const row = r.record.row as unknown as Record<string, unknown>;
    if (ex.expect.timeIso) assert.equal(row['time'] === null ? null : new Date(row['time'] as number).toISOString(), ex.expect.timeIso);
    for (const [k, v] of Object.entries(ex.expect.fields ?? {})) assert.deepEqual(row[k], v, `${ex.name}: field ${k}`);
  });
}

test('gunicorn examples: names are unique', () => {
  const names = file.examples.map((e) => e.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});

test('gunicorn examples: every layout and message pattern has an example', () => {
  const used = new Set(file.examples.flatMap((e) => (e.expect.pattern ?? '').split('/')));
  const missing = [...LAYOUTS.map((l) => l.name), ...PYTHON_LAYOUTS.map((l) => l.name), 'custom', 'access_log_format', ...MESSAGES.map((m) => m.name), ...MIDDLEWARE_PATTERNS.map((m) => m.name)]
    .filter((n) => !used.has(n));
  assert.deepEqual(missing, []);
});

test('gunicorn examples: no line matches two layouts, no message two patterns', () => {
  for (const ex of file.examples) {
    const inner = unwrapLine(ex.line).inner;
    const layouts = [...matchingLayouts(inner), ...matchingPythonLayouts(inner)];
    assert.ok(layouts.length <= 1, `${ex.name} matches layouts ${layouts.join(', ')}`);
    const r = run(ex);
    if (r.kind !== 'record') continue;
    const message = r.record.table === 'server' ? r.record.row.message : null;
    if (message === null) continue;
    const patterns = [...matchingMessagePatterns(message), ...(matchMiddlewareMessage(message) ? ['middleware'] : [])];
    assert.ok(patterns.length <= 1, `${ex.name}: message matches ${patterns.join(', ')}`);
  }
});
