/** README.md's rule table must match AUDIT_RULES: every rule documented with its severity and summary, no stale rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AUDIT_RULES } from '../../src/audit/index.js';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-root.js';

const doc = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
const esc = (s: string): string => s.replace(/\|/g, '\\|');

test('README.md documents every rule as AUDIT_RULES defines it', () => {
  for (const r of AUDIT_RULES) {
    const row = `| \`${r.id}\` | ${r.severity} | ${esc(r.summary)} | ${esc(r.evidence)} | ${esc(r.fix)} |`;
    assert.ok(doc.includes(row), `README.md is missing or has a stale row for ${r.id}; regenerate the table from AUDIT_RULES:\n${row}`);
  }
  const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| (error|warn|info) \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented, AUDIT_RULES.map((r) => r.id), 'rows in README.md not in AUDIT_RULES order, or rules that no longer exist');
});
