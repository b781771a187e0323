/**
 * The public corpora the conformance tests read in place (`<repo>/../shared/corpora`, never copied into
 * the repository): where they are, and their rows (one JSON object a line).
 */
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
