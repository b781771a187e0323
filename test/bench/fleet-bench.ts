/**
 * The fleet stages of `npm run bench` (issue 18): shards on every core and what they cost.
 *  - fleet: two stacks of N requests each (four files apiece), `droptrace ingest --db DIR/` with
 *    `--jobs 1` and `--jobs 2` alternated (fleet-speed.ts: the speed-up and the aggregate ingest rate,
 *    each against its target with PASS or BELOW), next to lnav and GoAccess
 *    on the same two access logs; then `--correlate`, `export` and the fleet `report --dataset`.
 *  - fleet-sim: four stacks with 1, 2 and 4 shard workers on this machine: seconds per 10^6 requests,
 *    the figure docs/performance.md projects to 10^9.
 *  - fleet-dataset: the dataset path alone: two stacks ingested and correlated once, then `export`
 *    and `report --dataset` timed (their wall time and peak RSS are what the dataset costs).
 * Prints rows for bench.ts's table; asserts nothing.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateStacks } from '../fleet/stacks.js';
import { TIMING_FORMAT } from './corpus.js';
import { benchFleetSpeed } from './fleet-speed.js';
import type { Measured } from './measure.js';

export interface FleetRow {
  readonly stage: string;
  readonly lines: number;
  readonly ms: number;
  readonly rssKiB: number;
  readonly runs: number;
  readonly note: string;
}

type Repeat = (runs: number, fresh: () => void, cmd: string, args: string[], what: string) => Promise<{ ms: number; rssKiB: number; last: Measured }>;

export interface FleetBenchOptions {
  readonly runs: number;
  readonly peerRuns: number;
  readonly compare: boolean;
  readonly seed: number;
  readonly sim: boolean;
  readonly fleet: boolean;
  readonly dataset: boolean;
}

const INGEST = ['--tz', 'UTC', '--log-format', TIMING_FORMAT];

export async function benchFleet(o: FleetBenchOptions, requests: number, dir: string, cli: string, repeat: Repeat, peers: { lnav: string | null; goaccess: string | null }): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  const shards = join(dir, 'shards') + '/';
  const fresh = () => rmSync(shards, { recursive: true, force: true });
  if (o.fleet) {
    process.stderr.write(`generating 2 stacks of ${requests} requests in ${dir}\n`);
    const stacks = await generateStacks(join(dir, 'two'), ['web-01', 'web-02'], requests, { seed: o.seed });
    const lines = stacks.reduce((n, s) => n + s.lines, 0);
    const dirs = stacks.map((s) => s.dir);
    const speed = await benchFleetSpeed(o.runs, lines, (jobs, extra) => [cli, 'ingest', ...dirs, '--db', shards, '--jobs', String(jobs), ...extra, ...INGEST], fresh, repeat);
    rows.push(...speed);
    const two = speed[1]!;
    rows.push(...await benchDataset(o, requests, dir, shards, cli, repeat));
    const single = await repeat(o.runs, () => {}, process.execPath, [cli, 'report', '--db', join(shards, 'web-01.db')], 'fleet: report --db one shard');
    rows.push({ stage: 'fleet: report --db (one shard, for scale)', lines: requests, ms: single.ms, rssKiB: single.rssKiB, runs: o.runs, note: 'rows in = requests' });
    if (o.compare) {
      const access = stacks.map((s) => join(s.dir, 'access-timing.log'));
      const accessLines = requests * 2;
      if (peers.lnav) {
        const r = await repeat(o.peerRuns, () => {}, peers.lnav, ['-n', '-c', ';SELECT sc_status, count(*) FROM access_log GROUP BY sc_status', ...access], 'fleet: lnav');
        rows.push({ stage: 'fleet peer: lnav on the 2 access logs', lines: accessLines, ms: r.ms, rssKiB: r.rssKiB, runs: o.peerRuns, note: `droptrace --jobs 2 reads ${(lines / (two.ms / 1000) / (accessLines / (r.ms / 1000))).toFixed(2)}× lnav's lines/s` });
      }
      if (peers.goaccess) {
        const out = join(dir, 'goaccess.json');
        const r = await repeat(o.peerRuns, () => rmSync(out, { force: true }), peers.goaccess, [...access, '--log-format=COMBINED', '-o', out], 'fleet: goaccess');
        rows.push({ stage: 'fleet peer: GoAccess on the 2 access logs', lines: accessLines, ms: r.ms, rssKiB: r.rssKiB, runs: o.peerRuns, note: `droptrace --jobs 2 reads ${(lines / (two.ms / 1000) / (accessLines / (r.ms / 1000))).toFixed(2)}× GoAccess's lines/s` });
      }
    }
    rmSync(join(dir, 'two'), { recursive: true, force: true });
    fresh();
  }
  if (o.dataset) {
    process.stderr.write(`generating 2 stacks of ${requests} requests in ${dir}\n`);
    const stacks = await generateStacks(join(dir, 'two'), ['web-01', 'web-02'], requests, { seed: o.seed });
    fresh();
    await repeat(1, fresh, process.execPath, [cli, 'ingest', ...stacks.map((s) => s.dir), '--db', shards, '--jobs', '2', '--correlate', ...INGEST], 'fleet-dataset: ingest --correlate');
    rows.push(...await benchDataset(o, requests, dir, shards, cli, repeat));
    rmSync(join(dir, 'two'), { recursive: true, force: true });
    fresh();
  }
  if (o.sim) {
    process.stderr.write(`generating 4 stacks of ${requests} requests in ${dir}\n`);
    const stacks = await generateStacks(join(dir, 'four'), ['web-01', 'web-02', 'web-03', 'web-04'], requests, { seed: o.seed + 100 });
    const lines = stacks.reduce((n, s) => n + s.lines, 0);
    for (const jobs of [1, 2, 4]) {
      const r = await repeat(o.runs, fresh, process.execPath, [cli, 'ingest', ...stacks.map((s) => s.dir), '--db', shards, '--jobs', String(jobs), '--correlate', ...INGEST], `fleet-sim: 4 stacks, --jobs ${jobs}`);
      const perMillion = (r.ms / 1000) / ((requests * 4) / 1e6);
      rows.push({ stage: `fleet-sim: ingest --correlate 4 stacks --jobs ${jobs}`, lines, ms: r.ms, rssKiB: r.rssKiB, runs: o.runs, note: `${perMillion.toFixed(1)} s of this 2-core machine per 10^6 requests` });
    }
    rmSync(join(dir, 'four'), { recursive: true, force: true });
    fresh();
  }
  mkdirSync(dir, { recursive: true });
  return rows;
}

/** `export --dataset` of two correlated shards, then `report --dataset` over it. */
async function benchDataset(o: FleetBenchOptions, requests: number, dir: string, shards: string, cli: string, repeat: Repeat): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  const dataset = join(dir, 'dataset');
  const exp = await repeat(o.runs, () => rmSync(dataset, { recursive: true, force: true }), process.execPath, [cli, 'export', '--db', shards, '--dataset', dataset], 'fleet: export');
  rows.push({ stage: 'fleet: export --dataset (2 shards)', lines: requests * 2, ms: exp.ms, rssKiB: exp.rssKiB, runs: o.runs, note: 'rows in = requests' });
  const rep = await repeat(o.runs, () => {}, process.execPath, [cli, 'report', '--dataset', dataset], 'fleet: report --dataset');
  rows.push({ stage: 'fleet: report --dataset', lines: requests * 2, ms: rep.ms, rssKiB: rep.rssKiB, runs: o.runs, note: 'rows in = requests' });
  return rows;
}
