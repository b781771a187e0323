/**
 * Every example in parsers/gunicorn/examples.json (run by test/parsers/examples.ts), plus coverage both
 * ways (lnav's rule): each layout and each message pattern has an example, and no example line matches
 * two layouts or two message patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGunicornParser, matchingLayouts, matchingMessagePatterns } from '../../../parsers/gunicorn/parse.js';
import { LAYOUTS, MESSAGES } from '../../../parsers/gunicorn/patterns.js';
import { PYTHON_LAYOUTS, matchingPythonLayouts } from '../../../parsers/app/python-logging.js';
import { MIDDLEWARE_PATTERNS, matchMiddlewareMessage } from '../../../parsers/app/text.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { readExamples, readLine, runExamples, type ExamplesFile, type LineExample } from '../examples.js';
import { compilePythonLogFormat, isFormatProblem } from '../../../parsers/app/python-format.js';
import { compileGunicornAccessFormat } from '../../../parsers/gunicorn/access-format.js';
import type { GunicornStreamRecord } from '../../../parsers/gunicorn/record.js';

interface Example extends LineExample {
  /** --app-log-format / gunicorn's access_log_format the stream is read with */
  readonly appLogFormat?: string;
  readonly accessLogFormat?: string;
}

const file = readExamples<Example>('gunicorn');

function parserFor(ex: Example, f: ExamplesFile<Example>) {
  const app = ex.appLogFormat === undefined ? null : compilePythonLogFormat(ex.appLogFormat);
  const access = ex.accessLogFormat === undefined ? null : compileGunicornAccessFormat(ex.accessLogFormat);
  if (isFormatProblem(app) || isFormatProblem(access)) throw new Error(`${ex.name}: its format does not compile: ${JSON.stringify(app ?? access)}`);
  return createGunicornParser({ tz: ex.tz ?? f.tz ?? 'UTC', appLayouts: app ? [app.layout] : [], accessFormat: access });
}

runExamples<Example, GunicornStreamRecord>('gunicorn', file, { parserFor, row: (r) => r.row, table: (r) => r.table });

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
    const r = readLine(ex, file, parserFor);
    if (r.kind !== 'record') continue;
    const message = r.record.table === 'server' ? r.record.row.message : null;
    if (message === null) continue;
    const patterns = [...matchingMessagePatterns(message), ...(matchMiddlewareMessage(message) ? ['middleware'] : [])];
    assert.ok(patterns.length <= 1, `${ex.name}: message matches ${patterns.join(', ')}`);
  }
});
