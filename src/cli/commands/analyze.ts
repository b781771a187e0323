/**
 * `droptrace analyze`: the main job in one command — ingest, correlate, report. Ingest warnings and
 * its summary go to stderr, so stdout holds only the report (pipe it, or --out it).
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { dbOption } from '../shared.js';
import { existsSync } from 'node:fs';
import { addIngestOptions, ingestSucceeded, runIngestCommand, renderIngestSummary, type IngestFlags } from './ingest.js';
import { addReportOptions, resolveReportFlags, runReportCommand, type ReportFlags } from './report.js';

export function registerAnalyzeCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('analyze')
    .description('ingest log files, correlate them and print the report (the quick start)')
    .argument('<paths...>', 'log files, directories, globs, or - for stdin');
  dbOption(addReportOptions(addIngestOptions(cmd), { withTz: false }))
    .action(async (paths: string[], flags: IngestFlags & ReportFlags) => {
      resolveReportFlags(flags);
      const result = await runIngestCommand(paths, { ...flags, correlate: true }, io);
      io.stderr.write(renderIngestSummary(result));
      if (!ingestSucceeded(result, io)) io.setExitCode(EXIT.error);
      if (!existsSync(flags.db)) return; // nothing was stored (the errors above say why): no report to make
      await runReportCommand(flags, io);
    });
}
