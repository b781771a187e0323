/**
 * The README's "Where things live" table against the tree: every folder of `src/` and `parsers/`
 * (and every file loose in them) is named in it, and every path it names exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';

const root = repoRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function layoutSection(): string {
  const a = readme.indexOf('<!-- layout:start -->');
  const b = readme.indexOf('<!-- layout:end -->');
  assert.ok(a >= 0 && b > a, 'README needs <!-- layout:start --> … <!-- layout:end --> under "Where things live"');
  return readme.slice(a, b);
}

/**
 * Paths in the first column (`src/x/`, `parsers/y/` …), and the names the second column cites (`x.ts`,
 * `sql/`), each under the row's folder or the last root path the row named before it.
 */
function named(section: string): { paths: Set<string>; cited: string[] } {
  const paths = new Set<string>();
  const cited: string[] = [];
  const isRootPath = (p: string) => /^(src|parsers|test)\//.test(p);
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const [first, second] = line.split(' | ');
    let base = '';
    for (const m of first!.matchAll(/`([^`]+)`/g)) {
      paths.add(m[1]!);
      base = m[1]!.endsWith('/') ? m[1]! : '';
    }
    for (const m of (second ?? '').matchAll(/`([\w./-]+\.ts|[\w./-]+\/)`/g)) {
      const p = m[1]!;
      if (isRootPath(p)) base = p;
      cited.push(isRootPath(p) ? p : join(base, p));
    }
  }
  return { paths, cited };
}

test('readme_layout_names_every_folder_of_src_and_parsers', () => {
  const { paths } = named(layoutSection());
  const text = layoutSection();
  const entries = ['src', 'parsers'].flatMap((top) => readdirSync(join(root, top), { withFileTypes: true })
    .map((e) => (e.isDirectory() ? `${top}/${e.name}/` : `${top}/${e.name}`)));
  // a loose file may be named in its folder's row (parsers/result.ts as `result.ts`)
  const missing = entries.filter((e) => !paths.has(e) && !(e.startsWith('parsers/') && !e.endsWith('/') && text.includes(`\`${e.slice('parsers/'.length)}\``)));
  assert.deepEqual(missing, [], 'add these to the README layout table ("Where things live")');
});

test('readme_layout_names_only_paths_that_exist', () => {
  const { paths, cited } = named(layoutSection());
  const gone = [...paths, ...cited].filter((p) => !existsSync(join(root, p)));
  assert.deepEqual(gone, [], 'the README layout table names paths that are not in the tree');
});
