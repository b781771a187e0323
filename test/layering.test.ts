/**
 * The layering README "Where things live" states, checked on the sources' own imports: `parsers/`
 * uses only `src/domain/`, `src/domain/` nothing, the store nothing above it (parsers' record types
 * aside), and no folder imports one that imports it back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { repoRoot } from './helpers.js';

const root = repoRoot();

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** `src/correlate/match.ts` → `src/correlate`; `src/index.ts` → itself; anything under parsers/ → `parsers`. */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'parsers') return 'parsers';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** Folder → the folders its files import (relative imports only), type-only imports included. */
function folderImports(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of [...sources('src'), ...sources('parsers')]) {
    const from = folderOf(file);
    const deps = out.get(from) ?? new Set<string>();
    out.set(from, deps);
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      const target = folderOf(relative(root, normalize(join(root, dirname(file), m[1]!))));
      if (target !== from) deps.add(target);
    }
  }
  return out;
}

const graph = folderImports();
const importsOf = (folder: string): string[] => [...(graph.get(folder) ?? [])].sort();

test('layering_parsers_use_only_src_domain', () => {
  assert.deepEqual(importsOf('parsers').filter((f) => f !== 'src/domain'), []);
});

test('layering_domain_imports_no_other_folder', () => {
  assert.deepEqual(importsOf('src/domain'), []);
});

test('layering_the_store_imports_nothing_above_it', () => {
  assert.deepEqual(importsOf('src/store').filter((f) => f !== 'src/domain' && f !== 'parsers'), []);
});

test('layering_no_folder_imports_one_that_imports_it_back', () => {
  const cycles: string[] = [];
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return importsOf(from).some((f) => reaches(f, to, seen));
  };
  for (const [from, deps] of graph) for (const to of deps) if (reaches(to, from)) cycles.push(`${from} → ${to} → … → ${from}`);
  assert.deepEqual(cycles, []);
});
