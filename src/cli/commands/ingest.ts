/** `droptrace ingest`: flags → ingestPaths() → a summary table or JSON. */
import { Command, Option } from 'commander';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { withStore, dbOption } from '../shared.js';
import { ingestPaths, type IngestOptions, type IngestResult } from '../../ingest/ingest.js';
import { ingestAndCorrelate } from '../../analyze.js';
import { renderTable } from '../../output/rows.js';
import { SOURCE_TYPES, type SourceType } from '../../ingest/detect.js';
import { resolveLogFormat, type LogFormatFlags } from '../log-format.js';
import { createProgress } from '../progress.js';
import { existsSync } from 'node:fs';
import { assertKnownZone } from '../../domain/time.js';
import { removeEmptyStore } from '../../store/open.js';

export interface IngestFlags extends LogFormatFlags {
  readonly db: string;
  readonly type: SourceType | 'auto';
  readonly tz?: string;
  readonly host?: string;
  readonly json?: boolean;
  /** Correlate before returning instead of leaving it to the first command that reads verdicts. */
  readonly correlate?: boolean;
}

export function addIngestOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--type <type>', 'source type of every path').choices(['auto', ...SOURCE_TYPES]).default('auto'))
    .option('--log-format <format>', "your nginx log_format string (default: combined); prefix with 'escape=json ' for escape=json formats")
    .option('--log-format-name <name>', 'take the named log_format from --nginx-conf')
    .option('--nginx-conf <file>', 'nginx.conf to read --log-format-name from (includes followed)')
    .option('--tz <zone>', 'IANA zone of timestamps that carry no offset (nginx error log, Python asctime); default: this machine\'s zone, with a warning')
    .option('--host <name>', 'label rows with the host they came from');
}

export function registerIngestCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('ingest')
    .description('read log files (files, directories, globs, .gz, - for stdin) into the database')
    .argument('<paths...>', 'log files, directories, globs, or - for stdin');
  dbOption(addIngestOptions(cmd))
    .option('--json', 'print the summary as JSON')
    .option('--correlate', 'correlate the new rows now (default: the first report/requests/trace/correlate does)')
    .action(async (paths: string[], flags: IngestFlags) => {
      const result = await runIngestCommand(paths, flags, io);
      if (flags.json) io.stdout.write(JSON.stringify(summaryJson(result), null, 2) + '\n');
      else io.stdout.write(renderIngestSummary(result));
      if (!ingestSucceeded(result, io)) io.setExitCode(EXIT.error);
    });
}

/**
 * Exit 1 when a path was unreadable, or a log file could not be read as any layer's log (its type
 * or log_format unknown: the warning above says which flag to pass). Nothing of it was stored, so
 * `ingest && report` must not go on as if it had been. Says so on stderr.
 */
export function ingestSucceeded(result: IngestResult, io: CliIO): boolean {
  const unread = result.files.filter((f) => f.unplaced !== undefined).length;
  if (unread > 0) io.stderr.write(`error: ${unread} log file(s) not ingested: pass --type or --log-format as the warning says, then ingest again\n`);
  return unread === 0 && result.problems.length === 0;
}

export async function runIngestCommand(paths: string[], flags: IngestFlags, io: CliIO): Promise<IngestResult> {
  // before the database is created: a usage error leaves nothing behind
  if (flags.tz !== undefined) assertKnownZone(flags.tz);
  const logFormat = await resolveLogFormat(flags);
  const created = !existsSync(flags.db);
  const progress = createProgress(io);
  const opts: IngestOptions = {
    type: flags.type,
    tz: flags.tz ?? null,
    host: flags.host ?? null,
    logFormat: logFormat?.format ?? null,
    logFormatEscape: logFormat?.escape ?? null,
    stdin: io.stdin,
    onWarning: (m) => io.stderr.write(`warning: ${m}\n`),
    onProgress: progress.update,
  };
  const result = await withStore(flags.db, {}, async (db) => {
    if (!flags.correlate) return ingestPaths(db, paths, opts);
    const r = await ingestAndCorrelate(db, paths, opts);
    return r.ingest;
  });
  progress.done();
  for (const p of result.problems) io.stderr.write(`error: ${p.path}: ${p.reason}\n`);
  if (created && result.files.every((f) => f.fileId === null)) removeEmptyStore(flags.db);
  return result;
}

export function summaryJson(result: IngestResult) {
  return {
    files: result.files.map((f) => ({
      path: f.path, type: f.type, lines: f.lines, records: f.records, rejected: f.rejected, skipped: f.skipped,
      continuation: f.continuation, ignored: f.ignored, decided: f.decided, error: f.error ?? f.unplaced ?? null,
    })),
    problems: result.problems,
  };
}

export function renderIngestSummary(result: IngestResult): string {
  if (result.files.length === 0) return ''; // every path was missing: the errors say so
  const rows = result.files.map((f) => ({
    path: f.path, type: f.type ?? 'unknown', lines: f.lines, records: f.records, rejected: f.rejected,
    skipped: f.skipped, decided: f.error ?? f.unplaced ?? f.decided,
  }));
  let out = renderTable(rows, ['path', 'type', 'lines', 'records', 'rejected', 'skipped', 'decided'], 90);
  const rejected = result.files.reduce((n, f) => n + f.rejected, 0);
  if (rejected > 0) out += `\n${rejected} malformed line(s) kept in the rejects table: droptrace query "SELECT f.path, r.line_no, r.reason FROM rejects r JOIN files f ON f.id = r.file_id LIMIT 20"\n`;
  return out;
}
