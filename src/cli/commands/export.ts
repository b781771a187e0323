/** `droptrace export --dataset DIR`: every shard of --db (a file or a directory) → Parquet files in DIR. */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { dbOption, memoryLimitFrom, memoryLimitOption } from '../shared.js';
import { listShards } from '../../shard/shard-file.js';
import { exportShards } from '../../export/export.js';
import { renderTable } from '../../output/rows.js';
import { StoreError } from '../../store/open.js';

export function registerExportCommand(program: Command, io: CliIO): void {
  memoryLimitOption(dbOption(program.command('export').description('write each shard\'s requests, incidents, inputs and audited chain as Parquet (a Hive-partitioned dataset)'))
    .requiredOption('--dataset <dir>', 'the dataset directory (created if missing; a shard exported again replaces its files)')
    .option('--json', 'print the summary as JSON'))
    .action(async (flags: { db: string; dataset: string; json?: boolean; memoryLimit?: string }) => {
      const memoryLimit = memoryLimitFrom(flags, true);
      const shards = listShards(flags.db);
      if (shards.length === 0) throw new StoreError(`no database at ${flags.db}: run \`droptrace ingest\` (or analyze) first, or pass --db`, 'open-failed');
      const tty = io.stderr.isTTY === true;
      const out = await exportShards(shards, flags.dataset, {
        memoryLimit,
        onStage: tty ? (key, stage) => void io.stderr.write(`\r\u001b[Kexport ${key}: ${stage}`) : undefined,
      });
      if (tty) io.stderr.write('\r\u001b[K');
      for (const s of out) if (s.stale !== null) io.stderr.write(`warning: ${s.key}: ${s.stale}\n`);
      if (flags.json) {
        io.stdout.write(JSON.stringify({ dataset: flags.dataset, shards: out }, null, 2) + '\n');
        return;
      }
      io.stdout.write(renderTable(out.map((s) => ({ shard: s.key, requests: s.requests, incidents: s.incidents, inputs: s.inputs, files: s.files.length })),
        ['shard', 'requests', 'incidents', 'inputs', 'files'], 60));
      io.stdout.write(`dataset: ${flags.dataset}\n`);
    });
}
