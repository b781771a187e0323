/** Test support shared by the nginx parser tests: repo root, examples, record comparison. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walk up from the compiled test file to the directory holding package.json. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

export const repoRoot = findRepoRoot();

export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(join(repoRoot, relative), 'utf8')) as T;
}

/** `../shared/corpora` beside the repo, or null when absent. */
export function corporaDir(): string | null {
  const dir = join(repoRoot, '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : null;
}

export interface CorpusRow {
  readonly source: string;
  readonly line: string;
  readonly format?: string;
  readonly expected?: Record<string, unknown>;
  readonly expect_error?: boolean;
  readonly continuation?: boolean;
  readonly multiline?: boolean;
  readonly inner_line?: string;
  readonly wrapper?: string;
  readonly fragment?: boolean;
  readonly role?: string;
  readonly note?: string;
}

export function readCorpus(dir: string, file: string): CorpusRow[] {
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusRow);
}

/** Make a record comparable with JSON expectations: epoch ms → ISO for `time`. */
export function normaliseRecord(rec: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...rec };
  if (typeof out['time'] === 'number') out['time'] = new Date(out['time'] as number).toISOString();
  return out;
}

/** The expected fields that differ: [field, expected, actual][]. */
export function diffFields(actual: Record<string, unknown>, expected: Record<string, unknown>): [string, unknown, unknown][] {
  const diffs: [string, unknown, unknown][] = [];
  for (const [k, v] of Object.entries(expected)) {
    if (JSON.stringify(actual[k]) !== JSON.stringify(v)) diffs.push([k, v, actual[k]]);
  }
  return diffs;
}
