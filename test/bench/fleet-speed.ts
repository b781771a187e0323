/**
 * The fleet's two speed targets (issue 18), as `npm run bench -- --only fleet` prints them:
 *  - speed-up: `droptrace ingest DIR1 DIR2 --db SHARDS/` with `--jobs 2` against `--jobs 1`, the
 *    runs alternated (1, 2, 1, 2 …) so that a load that comes and goes on a shared machine falls on
 *    both alike; target ≥ 1.8× on 2 cores.
 *  - aggregate ingest rate: every line of both stacks' four files over the wall time of the whole
 *    `--jobs 2` command, process start to exit (planning, worker start, parsing, inserts, index
 *    builds, the shards' sync and rename, the summary); target ≥ 400k lines/s.
 * Beside them, for the reader: the same lines over the `--correlate` run (the end-to-end analyze
 * rate, no target), and how much of the wall time lay outside the shards' own work (the serial
 * part that bounds the speed-up), from the shards' times in `--json`. Prints rows; asserts nothing.
 *
 * Alone, for a quick re-measure (only these rows, no export, report or peers):
 *   TMPDIR=/var/tmp node dist/test/bench/fleet-speed.js --lines 100k --runs 5 [--seed 42]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetRow } from './fleet-bench.js';
import { median, repeat, type Measured } from './measure.js';
import { generateStacks } from '../fleet/stacks.js';
import { TIMING_FORMAT } from './corpus.js';

type Repeat = (runs: number, fresh: () => void, cmd: string, args: string[], what: string) => Promise<{ ms: number; rssKiB: number; last: Measured }>;

export const SPEED_UP_TARGET = 1.8;
export const AGGREGATE_TARGET = 400_000;

const rate = (lines: number, ms: number) => `${Math.round(lines / (ms / 1000)).toLocaleString('en-US')} lines/s`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'BELOW');

/** Each shard's own time (`ms` in --json: from its process's first step to its rename). */
function shardMs(m: Measured): number[] {
  const j = JSON.parse(m.stdout) as { shards: { ms: number }[] };
  return j.shards.map((s) => s.ms);
}
const longestShardMs = (m: Measured): number => Math.max(...shardMs(m));

export async function benchFleetSpeed(runs: number, lines: number, ingest: (jobs: number, extra: string[]) => string[], fresh: () => void, repeat: Repeat): Promise<FleetRow[]> {
  const one: number[] = [];
  const two: number[] = [];
  const rss1: number[] = [];
  const rss2: number[] = [];
  const outside: number[] = [];
  const outside1: number[] = [];
  const alone: number[] = [];
  const beside: number[] = [];
  const load0 = loadavg()[0]!;
  for (let r = 0; r < runs; r++) {
    const a = await repeat(1, fresh, process.execPath, ingest(1, ['--json']), `fleet: 2 stacks, --jobs 1 (run ${r + 1}/${runs})`);
    one.push(a.ms);
    rss1.push(a.rssKiB);
    alone.push(...shardMs(a.last));
    outside1.push(a.ms - shardMs(a.last).reduce((x, y) => x + y, 0));
    const b = await repeat(1, fresh, process.execPath, ingest(2, ['--json']), `fleet: 2 stacks, --jobs 2 (run ${r + 1}/${runs})`);
    two.push(b.ms);
    rss2.push(b.rssKiB);
    outside.push(b.ms - longestShardMs(b.last));
    beside.push(...shardMs(b.last));
  }
  const load1 = loadavg()[0]!;
  const cor = await repeat(runs, fresh, process.execPath, ingest(2, ['--correlate']), 'fleet: 2 stacks, --jobs 2 --correlate');
  const speedUp = median(one) / median(two);
  // What bounds the speed-up here: --jobs 1 is P1 + C1 + C2, --jobs 2 is P2 + max(C1', C2'), and a
  // shard beside another runs k times slower than alone (the machine shared: caches, memory, disk).
  const k = median(beside) / median(alone);
  const bound = (median(outside1) + 2 * median(alone)) / (median(outside) + k * median(alone));
  const contention = `a shard alone ${(median(alone) / 1000).toFixed(2)} s, beside the other ${(median(beside) / 1000).toFixed(2)} s (×${k.toFixed(2)}); ` +
    `outside the shards ${(median(outside1) / 1000).toFixed(2)} s (--jobs 1) and ${(median(outside) / 1000).toFixed(2)} s (--jobs 2): ` +
    `the speed-up these allow is ${bound.toFixed(2)}× (with nothing outside the shards ${(2 / k).toFixed(2)}×)`;
  const aggregate = lines / (median(two) / 1000);
  const load = `load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${runs} alternated runs`;
  return [
    { stage: 'fleet: ingest 2 stacks --jobs 1', lines, ms: median(one), rssKiB: median(rss1), runs, note: `${load}; ${contention}` },
    {
      stage: 'fleet: ingest 2 stacks --jobs 2', lines, ms: median(two), rssKiB: median(rss2), runs,
      note: `speed-up ${speedUp.toFixed(2)}× vs --jobs 1 (target ≥ ${SPEED_UP_TARGET}×: ${verdict(speedUp >= SPEED_UP_TARGET)}); ` +
        `aggregate ingest ${rate(lines, median(two))} (target ≥ ${AGGREGATE_TARGET / 1000}k: ${verdict(aggregate >= AGGREGATE_TARGET)}) = ` +
        `all lines of both stacks over the whole command's wall time; ${(median(outside) / 1000).toFixed(2)} s of it outside the longest shard's own work`,
    },
    { stage: 'fleet: ingest --correlate 2 stacks --jobs 2', lines, ms: cor.ms, rssKiB: cor.rssKiB, runs, note: `end-to-end analyze rate ${rate(lines, cor.ms)} (ingest + correlate, whole command; no target)` },
  ];
}


async function main(argv: readonly string[]): Promise<void> {
  let requests = 100_000;
  let runs = 5;
  let seed = 42;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i] ?? '';
    if (argv[i - 1] === '--lines') requests = Number(v.replace(/k$/i, 'e3').replace(/M$/, 'e6'));
    else if (argv[i - 1] === '--runs') runs = Number(v);
    else if (argv[i - 1] === '--seed') seed = Number(v);
    else throw new Error(`unknown option ${argv[i - 1]} (options: --lines 100k --runs 5 --seed 42)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-fleet-speed-'));
  try {
    process.stderr.write(`generating 2 stacks of ${requests} requests in ${dir}\n`);
    const stacks = await generateStacks(join(dir, 'two'), ['web-01', 'web-02'], requests, { seed });
    const lines = stacks.reduce((n, s) => n + s.lines, 0);
    const shards = join(dir, 'shards') + '/';
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const rows = await benchFleetSpeed(runs, lines, (jobs, extra) => [cli, 'ingest', ...stacks.map((s) => s.dir), '--db', shards, '--jobs', String(jobs), ...extra, '--tz', 'UTC', '--log-format', TIMING_FORMAT],
      () => rmSync(shards, { recursive: true, force: true }), repeat);
    process.stdout.write(`droptrace fleet speed — ${new Date().toISOString()}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}\n` +
      `command: node dist/test/bench/fleet-speed.js ${argv.join(' ')}; 2 stacks of ${requests} requests, ${lines.toLocaleString('en-US')} lines\n\n`);
    for (const r of rows) {
      process.stdout.write(`${r.stage}: ${(r.ms / 1000).toFixed(2)} s (median of ${r.runs}), ${rate(lines, r.ms)}, peak RSS ${(r.rssKiB / 1024).toFixed(0)} MiB\n  ${r.note}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node --test dist/test/` runs every file under a directory named test: a benchmark is no test.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.env['NODE_TEST_CONTEXT'] === undefined) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`fleet-speed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
