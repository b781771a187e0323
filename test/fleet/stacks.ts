/**
 * Generated stacks for the fleet tests and benchmark: one directory per stack (named after it) with
 * the four logs droptrace reads (test/bench/corpus.ts: timing access log, error log, gunicorn's
 * stderr, the app's NDJSON), each stack from its own seed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus, TIMING_FORMAT } from '../bench/corpus.js';

export { TIMING_FORMAT };

export interface GeneratedStack {
  readonly name: string;
  readonly dir: string;
  /** lines in the stack's four files */
  readonly lines: number;
}

/**
 * `apart`: each stack's traffic in its own hour (stack i from 2024-03-10 0i:00), so that one
 * database holding every stack cannot mix them up (correlation matches by time and worker pid, and
 * generated stacks share pids) and is the reference a sharded run must equal. Without it the stacks
 * run at the same time, as a fleet does.
 */
export async function generateStacks(root: string, names: readonly string[], requests: number, opts: { seed?: number; apart?: boolean } = {}): Promise<GeneratedStack[]> {
  const seed = opts.seed ?? 7;
  const out: GeneratedStack[] = [];
  for (const [i, name] of names.entries()) {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const c = await generateCorpus(dir, requests, seed + i, Date.UTC(2024, 2, 10, opts.apart ? i : 0));
    rmSync(c.combined); // the same requests in the combined format: one access log per stack
    out.push({ name, dir, lines: c.counts.timing + c.counts.error + c.counts.gunicorn + c.counts.app });
  }
  return out;
}
