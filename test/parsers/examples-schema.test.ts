/**
 * Every parsers/<source>/examples.json keeps the one schema (parsers/README.md): a file that drifts
 * (an old `reject` key, an expectation key the runner does not read) fails here, not silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-root.js';
import { readExamples } from './examples.js';

const EXPECT_KEYS = new Set(['kind', 'pattern', 'table', 'timeIso', 'fields', 'reasonIncludes']);
const KINDS = new Set(['record', 'continuation', 'ignored', 'reject']);
const EXAMPLE_KEYS = new Set(['name', 'line', 'before', 'tz', 'source', 'note', 'expect']);
/** How a line is read, per parser (parsers/README.md lists them). */
const READING_KEYS: Readonly<Record<string, readonly string[]>> = {
  'nginx-access': ['format', 'escape'],
  app: ['parser', 'appLogFormat'],
  gunicorn: ['appLogFormat', 'accessLogFormat'],
};

function expectationProblems(where: string, x: Record<string, unknown>): string[] {
  const out = Object.keys(x).filter((k) => !EXPECT_KEYS.has(k)).map((k) => `${where}: expect.${k} is not in the schema`);
  if (!KINDS.has(String(x['kind']))) out.push(`${where}: expect.kind ${JSON.stringify(x['kind'])}`);
  return out;
}

const folders = readdirSync(join(repoRoot(), 'parsers')).filter((f) => existsSync(join(repoRoot(), 'parsers', f, 'examples.json')));

test('examples.json: every parser folder with examples is listed and read', () => {
  assert.ok(folders.length >= 10, `found ${folders.join(', ')}`);
});

for (const folder of folders) {
  test(`${folder}/examples.json keeps the one schema`, () => {
    const file = readExamples<Record<string, unknown>>(folder);
    const problems: string[] = [];
    for (const ex of file.examples) {
      const where = `${folder}/${String(ex['name'])}`;
      if (folder === 'delivery') {
        for (const [i, e] of (ex['expect'] as Record<string, unknown>[]).entries()) {
          const { line, layer, ...x } = e;
          if (typeof line !== 'number' || typeof layer !== 'string') problems.push(`${where} expect[${i}]: line and layer`);
          problems.push(...expectationProblems(`${where} expect[${i}]`, x));
        }
        continue;
      }
      const allowed = new Set([...EXAMPLE_KEYS, ...(READING_KEYS[folder] ?? [])]);
      problems.push(...Object.keys(ex).filter((k) => !allowed.has(k)).map((k) => `${where}: key ${k} is not in the schema`));
      if (typeof ex['line'] !== 'string') problems.push(`${where}: no line`);
      problems.push(...expectationProblems(where, (ex['expect'] ?? {}) as Record<string, unknown>));
    }
    assert.deepEqual(problems, []);
  });
}
