/** Compares a rendered report with its golden file under test/fixtures/report; UPDATE_GOLDEN=1 rewrites it. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers.js';

const GOLDEN = join(repoRoot(), 'test', 'fixtures', 'report');

export function checkGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    if (process.env['UPDATE_GOLDEN'] !== '1') assert.fail(`${name} did not exist: written, check it and commit it`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 to refresh)`);
}
