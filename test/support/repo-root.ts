/**
 * The repository root: the first folder above the compiled test file that holds package.json (tests run
 * from dist/test/…, while examples, samples and fixtures stay in the repository). Kept apart from
 * test/helpers.ts so the harness and the benchmark can use it without loading the CLI.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}
