/**
 * The slow test: runs the real stack once per profile and checks each recording is complete.
 *
 *   npm run test:stack [-- --profile NAME] [-- --seconds N] [-- --out DIR]
 *
 * Needs the Debian packages nginx gunicorn python3-uvicorn python3-fastapi (see README.md here).
 * Exit code 0 when every recording is complete, 1 otherwise, 2 on a usage error.
 */
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PROFILES, isProfileName, type ProfileName } from './profiles.js';
import { REPO_ROOT, formatSummary, isMain, runStack } from './stack.js';
import { checkRecording, formatCounts, readRecording, type Recording } from './recording.js';

/**
 * Hook for the correlation engine: once dist/src/index.js exports an `analyze` function, compare its
 * verdicts with the truth labels here (join on the tag: `dt=<tag>` in the nginx request URI).
 */
async function compareWithAnalyzer(rec: Recording): Promise<string | null> {
  const entry = join(REPO_ROOT, 'dist', 'src', 'index.js');
  if (!existsSync(entry)) return null;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    return `could not load ${entry}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (typeof mod['analyze'] !== 'function') return null;
  return `analyze() found; verdict-vs-truth comparison for ${rec.truth.length} requests is not written yet`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let profiles = Object.keys(PROFILES) as ProfileName[];
  let seconds = 50;
  let outRoot = join(REPO_ROOT, 'out', 'stack');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i] ?? '';
    if (arg === '--profile' && isProfileName(value)) profiles = [value];
    else if (arg === '--seconds' && Number.isFinite(Number(value))) seconds = Number(value);
    else if (arg === '--out') outRoot = resolve(value);
    else {
      process.stderr.write(`usage: test-stack [--profile ${Object.keys(PROFILES).join('|')}] [--seconds N] [--out DIR]\n`);
      process.exitCode = 2;
      return;
    }
  }
  let failed = 0;
  for (const profile of profiles) {
    const dir = join(outRoot, profile);
    const started = Date.now();
    const { summary } = await runStack({ outDir: dir, profile, seconds, clients: 3, rate: 2 });
    const rec = readRecording(dir);
    const problems = checkRecording(rec);
    process.stdout.write(`\n${formatCounts(rec)}\n${formatSummary(summary).split('\n').slice(2).join('\n')}\n`);
    process.stdout.write(`  recorded in ${((Date.now() - started) / 1000).toFixed(0)} s → ${dir}\n`);
    const note = await compareWithAnalyzer(rec);
    if (note) process.stdout.write(`  ${note}\n`);
    for (const p of problems) process.stdout.write(`  PROBLEM ${p}\n`);
    if (problems.length > 0) failed += 1;
  }
  process.stdout.write(`\n${profiles.length - failed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`test-stack: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
