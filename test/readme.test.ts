/** The README's vocabulary tables are checked against the data the code uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLAGS, VERDICTS } from '../src/domain/verdicts.js';
import { repoRoot } from './helpers.js';

const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');

function between(start: string, end: string): string {
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  assert.ok(a >= 0 && b > a, `README needs ${start} … ${end}`);
  return readme.slice(a + start.length, b).trim();
}

test('readme_verdict_table_matches_the_vocabulary', () => {
  const expected = ['| verdict | layer whose clock fired | meaning |', '|---|---|---|', ...VERDICTS.map((v) => `| \`${v.id}\` | ${v.layer} | ${v.meaning} |`)].join('\n');
  assert.equal(between('<!-- verdicts:start -->', '<!-- verdicts:end -->'), expected);
});

test('readme_flag_table_matches_the_vocabulary', () => {
  const expected = ['| flag | meaning |', '|---|---|', ...FLAGS.map((f) => `| \`${f.id}\` | ${f.meaning} |`)].join('\n');
  assert.equal(between('<!-- flags:start -->', '<!-- flags:end -->'), expected);
});

test('readme_names_both_commands_a_newcomer_needs', () => {
  assert.match(readme, /npm install && npx droptrace analyze samples\//);
  assert.match(readme, /\nnpm test\n/);
});

test('readme_report_excerpt_is_a_piece_of_the_timing_sample_golden', () => {
  const excerpt = between('<!-- excerpt:start -->', '<!-- excerpt:end -->').replace(/^```\n/, '').replace(/\n```$/, '');
  const golden = readFileSync(join(repoRoot(), 'test/fixtures/report/samples/timing.txt'), 'utf8');
  assert.ok(excerpt.split('\n').length > 10, 'an excerpt of some length');
  assert.ok(golden.includes(excerpt), 'the README excerpt differs from the golden report: paste it again from the golden file');
});
