/**
 * Where an `export --dataset` spends its time, stage by stage, in one process (wall time alone on a
 * shared machine says little): for each shard of --db, the contract's query stepped alone (SQLite,
 * rows as arrays), the requests rows built (query, toRecord, the JSON columns: export.ts'
 * requestRows, nothing appended), then the whole export with a timer per stage (exportShards'
 * onStage: the requests' append and Parquet copy, incidents, inputs, chain, the commit). Wall and
 * CPU milliseconds (user + sys of this process, DuckDB's thread included), medians over --runs.
 * Prints; asserts nothing.
 *
 *   node dist/test/bench/export-stages.js --db SHARDS/ [--runs 5] [--dataset DIR]
 * (SHARDS/: e.g. `droptrace ingest stack1 stack2 --db SHARDS/ --correlate` of two generated stacks:
 * node dist/test/bench/export-stages.js --generate 100k --runs 5, which writes them under TMPDIR.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './measure.js';
import { generateStacks, TIMING_FORMAT } from '../fleet/stacks.js';
import { runCliCaptured } from '../helpers.js';
import { listShards } from '../../src/shard/shard-file.js';
import { openStore, closeStore } from '../../src/store/open.js';
import { EXPORT_REQUESTS, ALL_REQUESTS } from '../../src/store/sql/export.js';
import { exportShards, requestRows } from '../../src/export/export.js';
import { ownedRange } from '../../src/shard/window.js';

interface Timed { wall: number; cpu: number }

function timed(f: () => void): Timed {
  const c = process.cpuUsage();
  const s = performance.now();
  f();
  const u = process.cpuUsage(c);
  return { wall: performance.now() - s, cpu: (u.user + u.system) / 1000 };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const sizeOf = (s: string) => Math.round(parseFloat(s) * (/m$/i.test(s) ? 1e6 : /k$/i.test(s) ? 1e3 : 1));

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 5);
  let dbDir = arg('--db');
  let scratch: string | null = null;
  if (dbDir === undefined) {
    const n = sizeOf(arg('--generate') ?? '100k');
    scratch = mkdtempSync(join(tmpdir(), 'droptrace-export-stages-'));
    const stacks = await generateStacks(join(scratch, 'logs'), ['web-01', 'web-02'], n, { seed: 42 });
    dbDir = join(scratch, 'shards') + '/';
    const r = await runCliCaptured(['ingest', ...stacks.map((s) => s.dir), '--db', dbDir, '--jobs', '2', '--correlate', '--tz', 'UTC', '--log-format', TIMING_FORMAT]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
  const dataset = arg('--dataset') ?? join(scratch ?? mkdtempSync(join(tmpdir(), 'droptrace-export-stages-')), 'dataset');
  const shards = listShards(dbDir);
  const samples = new Map<string, Timed[]>();
  const add = (k: string, t: Timed) => samples.set(k, [...(samples.get(k) ?? []), t]);
  for (let run = 0; run < runs; run++) {
    for (const s of shards) {
      const db = openStore(s.db, { readonly: true });
      try {
        const p = ownedRange(s.window);
        add(`${s.key}: SQLite steps EXPORT_REQUESTS (arrays)`, timed(() => {
          const st = db.prepare(EXPORT_REQUESTS).raw(true);
          for (const _ of st.iterate({ ...p, ...ALL_REQUESTS })) { /* stepped only */ }
        }));
        add(`${s.key}: requests rows built (query, toRecord, JSON)`, timed(() => {
          for (const _ of requestRows(db, s.key, p)) { /* built only */ }
        }));
      } finally {
        closeStore(db);
      }
    }
    rmSync(dataset, { recursive: true, force: true });
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await exportShards(shards, dataset, {
      onStage: (key, stage) => {
        const now = performance.now();
        const u = process.cpuUsage(lastCpu);
        add(`${key}: export stage ${stage}${stage === 'requests' ? ' (rows built, appended, copied to Parquet)' : ''}`, { wall: now - last, cpu: (u.user + u.system) / 1000 });
        last = now;
        lastCpu = process.cpuUsage();
      },
    });
    const u = process.cpuUsage(c0);
    add('whole export (every shard, DuckDB start and close)', { wall: performance.now() - w0, cpu: (u.user + u.system) / 1000 });
  }
  process.stdout.write(`export stages: ${shards.length} shard(s) of ${dbDir}, medians of ${runs}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  for (const [k, ts] of samples) {
    process.stdout.write(`${k.padEnd(80)} wall ${median(ts.map((t) => t.wall)).toFixed(0).padStart(6)} ms   cpu ${median(ts.map((t) => t.cpu)).toFixed(0).padStart(6)} ms\n`);
  }
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
}

await main();
