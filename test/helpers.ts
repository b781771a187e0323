/** Shared test helpers: the repo root (test/support/repo-root.ts), temp dirs, a CLI run with captured output. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIO } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';

export { repoRoot } from './support/repo-root.js';

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'droptrace-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export async function runCliCaptured(argv: string[], opts: { stdin?: string | Buffer; env?: Record<string, string> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const io: CliIO = {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: false },
    stderr: { write: (s: string) => { stderr += s; return true; }, isTTY: false },
    stdin,
    env: { NO_COLOR: '1', ...(opts.env ?? {}) },
    cwd: process.cwd(),
    setExitCode: (c) => { if (c > exitCode) exitCode = c; },
  };
  await runCli(argv, io);
  return { stdout, stderr, exitCode };
}

/**
 * Log lines written to files of a temp dir (name → lines, in that order), ingested with `ingestArgs`
 * into a new database, and that database's `requests` NDJSON, one object per request.
 */
export async function requestsOfLogs<R>(t: { after: (fn: () => void) => void }, logs: Readonly<Record<string, readonly string[]>>, ingestArgs: readonly string[]): Promise<R[]> {
  const dir = tempDir(t);
  const paths = Object.entries(logs).map(([name, lines]) => {
    writeFileSync(join(dir, name), lines.join('\n') + '\n');
    return join(dir, name);
  });
  const db = join(dir, 'd.db');
  const ingest = await runCliCaptured(['ingest', ...ingestArgs, '--db', db, ...paths]);
  assert.equal(ingest.exitCode, 0, ingest.stderr);
  const run = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(run.exitCode, 0, run.stderr);
  return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as R);
}

/** nginx combined lines with increasing times, for ingest tests. */
export function combinedLines(n: number, startSec = 1_700_000_000, path = '/api/items'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date((startSec + i) * 1000);
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
    const p2 = (x: number) => String(x).padStart(2, '0');
    const t = `${p2(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
    out.push(`127.0.0.1 - - [${t}] "GET ${path}/${i}?q=${i} HTTP/1.1" 200 ${100 + (i % 50)} "-" "test-agent/1.0"`);
  }
  return out;
}
