/**
 * The slow test: runs the real stack once per profile and checks each recording is complete.
 *
 *   npm run test:stack [-- --profile NAME] [-- --seconds N] [-- --out DIR]
 *
 * Needs the Debian packages nginx gunicorn python3-uvicorn python3-fastapi (see README.md here).
 * Exit code 0 when every recording is complete, 1 otherwise, 2 on a usage error.
 */
import { join, resolve } from 'node:path';
import { PROFILES, isProfileName, type ProfileName } from './profiles.js';
import { REPO_ROOT, formatSummary, isMain, runStack } from './stack.js';
import { checkRecording, formatCounts, readRecording } from './recording.js';
import { measureRecording, renderFigures, FLAG_NAMES } from '../accuracy/accuracy.js';
import { lbStackAvailable, runLbStack } from './lb/lb-stack.js';
import { lbProblems, measureLbRecording, renderLbFigures } from './lb/accuracy.js';

/** The accuracy targets per profile (see test/accuracy/samples.test.ts for the same on samples/). */
const TARGETS: Record<ProfileName, { all: number; failed: number }> = {
  timing: { all: 0.99, failed: 0.98 },
  delivery: { all: 0.99, failed: 0.98 },
  json: { all: 0.99, failed: 0.98 },
  combined: { all: 0.97, failed: 0.9 },
  zone: { all: 0.97, failed: 0.9 },
};

/**
 * droptrace's verdicts on this fresh recording against its truth: figures printed, targets checked.
 * A live run is timing-dependent (which worker a queued request sat on when it was killed), so a
 * shortfall here is reported as BELOW TARGET rather than failing CI; the committed samples/ are held
 * to the same targets strictly by test/accuracy/samples.test.ts.
 */
async function compareWithAnalyzer(dir: string, profile: ProfileName): Promise<string[]> {
  const f = await measureRecording(dir);
  process.stdout.write(renderFigures(f));
  const t = TARGETS[profile];
  const problems: string[] = [];
  if (f.joined === 0 || f.correct / f.joined < t.all) problems.push(`droptrace verdicts ${f.correct}/${f.joined} below ${t.all * 100}%`);
  if (f.failedTotal > 0 && f.failedCorrect / f.failedTotal < t.failed) problems.push(`failed requests' verdicts ${f.failedCorrect}/${f.failedTotal} below ${t.failed * 100}%`);
  if (f.wastedFound !== f.wastedExpected) problems.push(`wasted_work found ${f.wastedFound} of ${f.wastedExpected}`);
  if (f.wastedFalse > 0) problems.push(`${f.wastedFalse} false wasted_work`);
  if (f.timeWithin1s !== f.joined) problems.push(`${f.joined - f.timeWithin1s} end times more than 1 s from the client's`);
  // issue 15: every flag droptrace sets is a claim; its precision is held at 0.95 on every profile
  for (const k of FLAG_NAMES) {
    const x = f.flags[k];
    if (x.flagged > 0 && x.correct / x.flagged < 0.95) problems.push(`${k} precision ${x.correct}/${x.flagged} below 95%`);
  }
  return problems;
}

/** The lb profile: a recording with every LB failure, held to the same targets (a missing event fails it). */
async function runLbProfile(dir: string): Promise<number> {
  if (!lbStackAvailable()) {
    process.stdout.write('\nlb: skipped: needs /usr/sbin/haproxy and /usr/sbin/nginx (apt-get install haproxy nginx)\n');
    return 0;
  }
  const started = Date.now();
  const run = await runLbStack(dir, { raceWaves: 40, waveSize: 16 });
  const counts: Record<string, number> = {};
  for (const t of run.truth) counts[t.label] = (counts[t.label] ?? 0) + 1;
  process.stdout.write(`\nlb: ${run.truth.length} requests ${JSON.stringify(counts)}, recorded in ${((Date.now() - started) / 1000).toFixed(0)} s → ${dir}\n`);
  const f = await measureLbRecording(dir);
  process.stdout.write(renderLbFigures(f));
  const problems = [...Object.entries(run.events).filter(([, v]) => !v).map(([k]) => `event ${k} did not happen`), ...lbProblems(f)];
  for (const p of problems) process.stdout.write(`  PROBLEM ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

/** A problem that only says a scripted event did not happen this time (and the label it would have left). */
const isMissedEvent = (p: string): boolean =>
  /^event \S+ did not happen/.test(p) || /^truth: no request labelled /.test(p) || /^access\.log: no \d{3}$/.test(p);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let profiles = Object.keys(PROFILES) as ProfileName[];
  // The load balancer stack (HAProxy in front of nginx, test/harness/lb/) runs after the nginx profiles.
  let lb = true;
  let seconds = 50;
  let outRoot = join(REPO_ROOT, 'out', 'stack');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i] ?? '';
    if (arg === '--profile' && value === 'lb') { profiles = []; lb = true; }
    else if (arg === '--profile' && isProfileName(value)) { profiles = [value]; lb = false; }
    else if (arg === '--seconds' && Number.isFinite(Number(value))) seconds = Number(value);
    else if (arg === '--out') outRoot = resolve(value);
    else {
      process.stderr.write(`usage: test-stack [--profile ${[...Object.keys(PROFILES), 'lb'].join('|')}] [--seconds N] [--out DIR]\n`);
      process.exitCode = 2;
      return;
    }
  }
  let failed = 0;
  for (const profile of profiles) {
    const dir = join(outRoot, profile);
    let started = Date.now();
    let { summary } = await runStack({ outDir: dir, profile, seconds, clients: 3, rate: 2 });
    let rec = readRecording(dir);
    let problems = checkRecording(rec);
    // A scripted event is a race against real timers (a keep-alive close, a blocked loop): on a busy
    // machine it can miss. Such a recording proves nothing either way, so it is recorded once more;
    // any other problem, or a second miss, fails the profile.
    if (problems.length > 0 && problems.every(isMissedEvent)) {
      process.stdout.write(`
${profile}: ${problems.join('; ')}: recording it once more
`);
      started = Date.now();
      ({ summary } = await runStack({ outDir: dir, profile, seconds, clients: 3, rate: 2 }));
      rec = readRecording(dir);
      problems = checkRecording(rec);
    }
    process.stdout.write(`\n${formatCounts(rec)}\n${formatSummary(summary).split('\n').slice(2).join('\n')}\n`);
    process.stdout.write(`  recorded in ${((Date.now() - started) / 1000).toFixed(0)} s → ${dir}\n`);
    for (const p of await compareWithAnalyzer(dir, profile)) process.stdout.write(`  BELOW TARGET ${p}\n`);
    for (const p of problems) process.stdout.write(`  PROBLEM ${p}\n`);
    if (problems.length > 0) failed += 1;
  }
  if (lb) failed += await runLbProfile(join(outRoot, 'lb'));
  const total = profiles.length + (lb ? 1 : 0);
  process.stdout.write(`\n${total - failed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`test-stack: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
