/** `droptrace ingest`: flags → ingestPaths() → a summary table or JSON. */
import { Command, Option } from 'commander';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { withStore, dbOption, waitFrom } from '../shared.js';
import type { IngestOptions, IngestResult } from '../../ingest/ingest.js';
import { nothingStored } from '../../ingest/ingest-result.js';
import { renderTable, stripControls } from '../../output/rows.js';
import { SOURCE_TYPES, type SourceType } from '../../ingest/detect.js';
import { resolveLogFormat, type LogFormatFlags } from '../log-format.js';
import { collect, resolveAppLogFormats, type AppLogFormatFlags } from '../app-log-format.js';
import { createProgress } from '../progress.js';
import { existsSync } from 'node:fs';
import { assertKnownZone } from '../../domain/time.js';
import { removeEmptyStore } from '../../store/open.js';
import { parseLayerOf } from '../../ingest/reading.js';
import { UsageError } from '../../domain/errors.js';
import { addShardOptions, isSharded, type ShardFlags } from '../shard-options.js';
import { renderShardSummary, runShardedIngest, shardedSucceeded, shardSummaryJson } from '../shard-run.js';

export interface IngestFlags extends LogFormatFlags, ShardFlags, AppLogFormatFlags {
  readonly db: string;
  readonly type: SourceType | 'auto';
  readonly tz?: string;
  readonly host?: string;
  /** `proxy_1=nginx,api=gunicorn`: the layer of each stream name of a compose/kubectl/journald export */
  readonly layerOf?: string;
  readonly json?: boolean;
  /** Correlate before returning instead of leaving it to the first command that reads verdicts. */
  readonly correlate?: boolean;
  readonly wait?: string;
}

export function addIngestOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--type <type>', 'source type of every path').choices(['auto', ...SOURCE_TYPES]).default('auto'))
    .option('--log-format <format>', "your nginx log_format string (default: combined); prefix with 'escape=json ' for escape=json formats")
    .option('--log-format-name <name>', 'take the named log_format from --nginx-conf')
    .option('--nginx-conf <file>', 'nginx.conf to read --log-format-name from (includes followed)')
    .option('--tz <zone>', 'IANA zone of timestamps that carry no offset (nginx error log, Python asctime); default: this machine\'s zone, with a warning')
    .option('--host <name>', 'label rows with the host they came from')
    .option('--layer-of <name=layer,...>', "the layer each stream name feeds in a compose/kubectl/journald export whose names say nothing, e.g. 'proxy_1=nginx,api=gunicorn' (layers: nginx, gunicorn, uvicorn, app)")
    .option('--app-log-format <format>', "the app's Python logging format, e.g. '%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s' ({}-style too); for app text logs and gunicorn streams; repeatable", collect)
    .option('--gunicorn-access-format <format>', "gunicorn's access_log_format when it is not the default ('%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\" %(D)s' …)")
    .option('--gunicorn-conf <file>', 'gunicorn.conf.py (or a --log-config ini file): its access_log_format and logging formats (logconfig_dict, logconfig ini) read the gunicorn and app lines; analyze also audits it for the chain');
  return addShardOptions(cmd);
}

export function registerIngestCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('ingest')
    .description('read log files (files, directories, globs, .gz, - for stdin) into the database')
    .argument('[paths...]', 'log files, directories, globs, or - for stdin; with --db DIR one directory per stack');
  dbOption(addIngestOptions(cmd))
    .option('--json', 'print the summary as JSON')
    .option('--correlate', 'correlate the new rows now (default: the first report/requests/trace/correlate does)')
    .action(async (paths: string[], flags: IngestFlags) => {
      if (isSharded(flags)) {
        const outcome = await runShardedIngest(paths, flags, io);
        io.stdout.write(flags.json ? JSON.stringify(shardSummaryJson(outcome), null, 2) + '\n' : renderShardSummary(outcome));
        if (!shardedSucceeded(outcome, io)) io.setExitCode(EXIT.error);
        return;
      }
      if (paths.length === 0) throw new UsageError('ingest: pass the log files to read (or --db DIR with --manifest)');
      const result = await runIngestCommand(paths, flags, io);
      if (flags.json) io.stdout.write(JSON.stringify(summaryJson(result), null, 2) + '\n');
      else io.stdout.write(renderIngestSummary(result));
      if (!ingestSucceeded(result, io)) io.setExitCode(EXIT.error);
    });
}

/**
 * Exit 1 when a path was unreadable, or an input gave nothing: its type or log_format could not be
 * decided, every line was rejected, no line was a record, or it is content ingested before under
 * another --type. The other inputs were still ingested; `ingest && report` must not go on as if
 * these had been. Says so on stderr, one line per input with the reason and the flag that fixes it.
 */
export function ingestSucceeded(result: IngestResult, io: CliIO): boolean {
  for (const f of result.failures) io.stderr.write(`error: ${stripControls(`${f.path}: ${f.reason}`)}\n`);
  if (result.failures.length > 0) io.stderr.write(`error: ${result.failures.length} input(s) gave nothing; the other inputs were ingested\n`);
  return result.failures.length === 0 && result.problems.length === 0;
}

export async function runIngestCommand(paths: string[], flags: IngestFlags, io: CliIO): Promise<IngestResult> {
  const run = await startIngest(flags, io);
  // loaded here, not on top: a sharded ingest's own process runs no ingest and no correlation
  const { ingestPaths } = await import('../../ingest/ingest.js');
  const { ingestAndCorrelate } = await import('../../correlate/analyze.js');
  const result = await withStore(flags.db, { wait: waitFrom(flags, io) }, async (db) => {
    if (!flags.correlate) return ingestPaths(db, paths, run.opts);
    const r = await ingestAndCorrelate(db, paths, run.opts);
    return r.ingest;
  });
  run.finished(result);
  removeIfNothingStored(run, result, flags.db);
  return result;
}

/** An ingest about to open the store: its options, and what to say and tidy once it is done. */
export interface StartedIngest {
  readonly opts: IngestOptions;
  /** Whether the run creates the store (a store left with no file row is removed after it closes) */
  readonly created: boolean;
  /** Ends the progress line and names the inputs that failed midway. */
  finished(result: IngestResult): void;
}

/** The ingest flags checked and read before the database is created: a usage error leaves nothing behind. */
export async function startIngest(flags: IngestFlags, io: CliIO): Promise<StartedIngest> {
  if (flags.tz !== undefined) assertKnownZone(flags.tz);
  const logFormat = await resolveLogFormat(flags);
  const layerOf = flags.layerOf === undefined ? {} : parseLayerOf(flags.layerOf);
  if (typeof layerOf === 'string') throw new UsageError(`--layer-of: ${layerOf}`);
  const appFormats = resolveAppLogFormats(flags);
  for (const n of appFormats.notes) io.stderr.write(`note: ${n}\n`);
  const created = !existsSync(flags.db);
  const progress = createProgress(io);
  const opts: IngestOptions = {
    type: flags.type,
    tz: flags.tz ?? null,
    host: flags.host ?? null,
    logFormat,
    layerOf,
    appLogFormats: appFormats.appLogFormats,
    gunicornAccessFormat: appFormats.gunicornAccessFormat,
    stdin: io.stdin,
    onWarning: (m) => io.stderr.write(`warning: ${stripControls(m)}\n`),
    onProgress: progress.update,
  };
  return {
    opts,
    created,
    finished(result) {
      progress.done();
      for (const p of result.problems) io.stderr.write(`error: ${stripControls(`${p.path}: ${p.reason}`)}\n`);
    },
  };
}

/** After the store is closed: a store this run created and filled with nothing is removed. */
export function removeIfNothingStored(run: StartedIngest, result: IngestResult, db: string): void {
  if (run.created && nothingStored(result)) removeEmptyStore(db);
}

export function summaryJson(result: IngestResult) {
  return {
    files: result.files.map((f) => ({
      path: f.path, type: f.type, lines: f.lines, records: f.records, rejected: f.rejected, skipped: f.skipped,
      continuation: f.continuation, ignored: f.ignored, decided: f.decided, error: f.error ?? f.unplaced ?? null,
      layers: f.layers, delivery: f.delivery || null,
      failure: result.failures.find((x) => x.path === f.path)?.reason ?? null,
      hint: f.formatHint ?? null,
      firstReject: f.firstReject ?? null,
    })),
    problems: result.problems,
  };
}

export function renderIngestSummary(result: IngestResult): string {
  if (result.files.length === 0) return ''; // every path was missing: the errors say so
  const rows = result.files.map((f) => ({
    path: f.path, type: f.type ?? 'unknown', lines: f.lines, records: f.records, rejected: f.rejected,
    skipped: f.skipped, layers: layerCounts(f.layers), decided: f.error ?? f.unplaced ?? f.offeredAs ?? f.decided,
  }));
  let out = renderTable(rows, ['path', 'type', 'lines', 'records', 'rejected', 'skipped', 'layers', 'decided'], 90);
  for (const f of result.files) if (f.formatHint !== undefined) out += `\nhint: ${f.path}: ${f.formatHint}\n`;
  const rejected = result.files.reduce((n, f) => n + f.rejected, 0);
  if (rejected > 0) out += `\n${rejected} malformed line(s) kept in the rejects table: droptrace query "SELECT f.path, r.line_no, r.reason FROM rejects r JOIN files f ON f.id = r.file_id LIMIT 20"\n`;
  // Each file's first reject, with how far its best pattern got: most files have one cause.
  for (const f of result.files) if (f.rejected > 0 && f.firstReject !== undefined) out += `${stripControls(`  first in ${f.path}: ${f.firstReject}`)}\n`;
  return out;
}

/** "nginx-access 120, gunicorn 80": the lines each layer got from one file. */
function layerCounts(layers: Partial<Record<SourceType, number>>): string {
  return Object.entries(layers).filter(([, n]) => (n ?? 0) > 0).map(([l, n]) => `${l} ${n}`).join(', ') || '-';
}
