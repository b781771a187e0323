/**
 * The public corpora the conformance tests read in place (`<repo>/../shared/corpora`, never copied into
 * the repository): where they are, their rows (one JSON object a line), and a test that skips, saying
 * so, where they are absent.
 */
import { test, type TestContext } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-root.js';

/** `<repo root>/../shared/corpora`, or null when absent (the corpus tests then skip and say so). */
export function corporaDir(): string | null {
  const dir = join(repoRoot(), '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : null;
}

/** A corpus row: the line, and what the corpus says it must yield (fields vary by source). */
export interface CorpusRow {
  readonly source?: string;
  readonly line: string;
  readonly format?: string;
  readonly inner_line?: string;
  readonly expected?: Record<string, unknown>;
  readonly expected_basis?: string;
  readonly expect_error?: boolean;
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

/** A test over the corpora in `dir`: skipped, with the reason and the fix, where they are absent. */
export function corpusTest(name: string, fn: (t: TestContext, dir: string) => void): void {
  test(name, (t) => {
    const dir = corporaDir();
    if (dir === null) {
      t.skip('../shared/corpora not found: place the shared corpora beside the repository to run the conformance tests');
      return;
    }
    fn(t, dir);
  });
}
