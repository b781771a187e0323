/** Shared by the gunicorn and app parser tests: the corpora folder and its rows. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first folder above the compiled test file that holds package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `<repo root>/../shared/corpora`, or null when absent. */
export function corporaDir(): string | null {
  const dir = join(repoRoot(), '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : null;
}

export interface CorpusRow {
  readonly line: string;
  readonly inner_line?: string;
  readonly expected?: Record<string, unknown>;
  readonly expected_basis?: string;
  readonly role?: string;
  readonly continuation?: boolean;
  readonly seq?: number;
  readonly note?: string;
  readonly fragment?: boolean;
  readonly multiline?: boolean;
  readonly wrapper?: string;
}

export function readCorpus(path: string): CorpusRow[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CorpusRow);
}

/** examples.json beside a parser's source (test files compile to dist/test/…, sources stay in the repo). */
export function readExamples<T>(folder: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'parsers', folder, 'examples.json'), 'utf8')) as T;
}
