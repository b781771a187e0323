/**
 * The report over several shards: `report --dataset DIR`, or `report --db DIR` (a directory of shard
 * databases, exported first to a temp dataset; its --since-last marks live in DIR/_droptrace).
 */
import { rmSync } from 'node:fs';
import type { CliIO } from './io.js';
import type { ReportFlags } from './commands/report.js';
import { buildFleetReport, type FleetReport, type FleetReportOptions } from '../fleet/report.js';
import { listShards } from '../shard/shard-file.js';
import { exportShards } from '../export/export.js';
import { StoreError } from '../store/open.js';
import { makeScratchDir } from '../export/scratch.js';

export async function reportFleet(flags: ReportFlags, opts: FleetReportOptions, io: CliIO): Promise<FleetReport> {
  if (flags.dataset !== undefined) return buildFleetReport(flags.dataset, opts);
  const shards = listShards(flags.db);
  if (shards.length === 0) throw new StoreError(`no shard database in ${flags.db}: run \`droptrace ingest --db ${flags.db} …\` first`, 'open-failed');
  const tmp = makeScratchDir('dataset');
  try {
    const exported = await exportShards(shards, tmp, { memoryLimit: opts.memoryLimit });
    for (const s of exported) if (s.stale !== null) io.stderr.write(`warning: ${s.key}: ${s.stale}\n`);
    return await buildFleetReport(tmp, { ...opts, marksDir: flags.db });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
