/** `droptrace query "<SQL>"`: read-only SQL, printed as a table or for scripts. */
import { Command, Option } from 'commander';
import type { CliIO } from '../io.js';
import { catchUpCorrelation, dbOption, memoryLimitFrom, memoryLimitOption, waitFrom, withShards, withStore } from '../shared.js';
import { isShardDirectory } from '../../shard/shard-file.js';
import { queryShards } from '../../lookup/shards.js';
import { runQuery } from '../../lookup/query.js';
import { renderRows, type RowFormat, type Row } from '../../output/rows.js';
import { queryDataset } from '../../fleet/dataset.js';

export function registerQueryCommand(program: Command, io: CliIO): void {
  memoryLimitOption(dbOption(
    program
      .command('query')
      .description('run read-only SQL over the database (schema: see README)')
      .argument('<sql>', 'a SELECT (or WITH …, or a PRAGMA read)'),
  ))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'ndjson']).default('table'))
    .option('--dataset <dir>', 'query a Parquet dataset (droptrace export) instead: tables requests, incidents, inputs, chain')
    .action(async (sql: string, flags: { db: string; format: RowFormat; wait?: string; dataset?: string; memoryLimit?: string }) => {
      // query --db DIR asks each shard's SQLite: DuckDB runs only over a dataset
      const memoryLimit = memoryLimitFrom(flags, flags.dataset !== undefined);
      if (flags.dataset !== undefined) {
        const r = await queryDataset(flags.dataset, sql, { memoryLimit });
        io.stdout.write(renderRows(r.rows as Row[], flags.format, r.columns));
        return;
      }
      // Correlation results are brought up to date first; SQL over the log tables alone needs no wait.
      const verdicts = /\b(request_verdicts|correlation_runs|correlation_marks)\b/i.test(sql);
      if (isShardDirectory(flags.db)) {
        const r = await withShards(flags.db, io, verdicts ? waitFrom(flags, io) : undefined, (shards) => queryShards(shards, sql));
        io.stdout.write(renderRows(r.rows, flags.format, r.columns));
        return;
      }
      if (verdicts) await catchUpCorrelation(flags.db, io, waitFrom(flags, io));
      const result = await withStore(flags.db, { readonly: true }, (db) => runQuery(db, sql));
      io.stdout.write(renderRows(result.rows, flags.format, result.columns));
    });
}
