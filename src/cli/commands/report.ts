/** `droptrace report`: flags → buildReportModel() → a rendered report on stdout or --out; --fail-on → exit 3. */
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIO } from '../io.js';
import { EXIT, useColor } from '../io.js';
import { catchUpCorrelation, dbOption, memoryLimitFrom, memoryLimitOption, waitFrom, withStore } from '../shared.js';
import { UsageError } from '../../domain/errors.js';
import { readTransaction, writeTransaction } from '../../store/write-lock.js';
import { StoreError, type Db } from '../../store/open.js';
import { databaseFiles, refuseOutputOverInput } from '../../output/guard.js';
import { hasIngestedFile, ingestedPaths } from '../../store/files.js';
import { isShardDirectory } from '../../shard/shard-file.js';
import { reportFleet } from '../fleet-report.js';
import type { BuiltReport } from '../../report/model.js';
import { parseTimeArg, parseDurationArg } from '../../domain/time-arg.js';
import { localZone, assertKnownZone } from '../../domain/time.js';
import {
  buildReportModel, recordReportMark, renderReport, parseFailOnRule, evaluateRule, describeOutcome, ruleCounts,
  REPORT_FORMATS, type ReportFormat, type FailOnRule,
} from '../../report/index.js';

export interface ReportFlags {
  readonly db: string;
  /** a Parquet dataset (droptrace export) to report on instead of --db */
  readonly dataset?: string;
  readonly from?: string;
  readonly to?: string;
  readonly last?: string;
  readonly sinceLast?: boolean;
  readonly format: ReportFormat;
  readonly out?: string;
  readonly failOn?: string[];
  readonly tz?: string;
  readonly wait?: string;
  /** DuckDB's memory limit, for a report over --dataset or a --db directory */
  readonly memoryLimit?: string;
}

/** The report's flags; `withTz: false` when the command already has --tz (analyze shares ingest's). */
export function addReportOptions(cmd: Command, opts: { withTz?: boolean } = {}): Command {
  cmd
    .option('--from <time>', "requests that ended at or after this time (ISO-8601 or a log's own format)")
    .option('--to <time>', 'requests that ended before this time')
    .option('--last <duration>', 'the last N before now: 30m, 24h, 7d (instead of --from/--to)')
    .option('--since-last', 'only what was ingested since the previous --since-last report on this database (nightly mode)')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    // one rule (or a comma list) per --fail-on: a variadic option would swallow analyze's paths after it
    .option('--fail-on <rule>', "exit 3 when a rule holds: 'silent>0', 'client_abort>1%', 'worker_timeout>=1' (verdicts, flags, failed, requests); repeatable", (rule: string, rules: string[] = []) => [...rules, rule]);
  if (opts.withTz !== false) cmd.option('--tz <zone>', "zone for --from/--to without an offset and for displayed times (default: this machine's)");
  return memoryLimitOption(cmd);
}

export function registerReportCommand(program: Command, io: CliIO): void {
  const cmd = program.command('report').description('the report: verdicts, endpoints, timeout fingerprints, worker incidents, recommendations');
  dbOption(addReportOptions(cmd))
    .option('--dataset <dir>', 'report on a Parquet dataset (droptrace export): every shard in it, as one database would')
    .action(async (flags: ReportFlags) => {
    await runReportCommand(flags, io);
  });
}

/** The report's flags, checked and read once. */
export interface ResolvedReportFlags {
  readonly zone: string;
  readonly rules: FailOnRule[];
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

/** The report's flags checked and read: a usage error here comes before any work (analyze ingests first). */
export function resolveReportFlags(flags: ReportFlags): ResolvedReportFlags {
  const zone = flags.tz ?? localZone();
  assertKnownZone(zone);
  const rules = parseRules(flags.failOn ?? []);
  if (flags.sinceLast && (flags.from !== undefined || flags.to !== undefined || flags.last !== undefined)) {
    // a mark covers every request up to an id; inside a time window it would mark requests no report printed
    throw new UsageError('--since-last covers what was ingested since the previous --since-last report: drop --from/--to/--last, or drop --since-last for a window');
  }
  return { zone, rules, ...resolveWindow(flags, zone) };
}

/** `resolved`: the flags as analyze read them before its ingest (read here otherwise). */
export async function runReportCommand(flags: ReportFlags, io: CliIO, resolved = resolveReportFlags(flags)): Promise<void> {
  const { fromMs, toMs } = resolved;
  const progress = reportProgress(io);
  const fleetReport = flags.dataset !== undefined || isShardDirectory(flags.db);
  const memoryLimit = memoryLimitFrom(flags, fleetReport);
  if (fleetReport) {
    // several shards: the fleet report over the dataset (a --db directory is exported to a temp one first)
    const fleet = await reportFleet(flags, { fromMs, toMs, sinceLast: flags.sinceLast ?? false, onStage: progress, memoryLimit }, io);
    if (progress) io.stderr.write('\r\u001b[K');
    emitReport(fleet.built, flags, resolved, io);
    if (flags.sinceLast) fleet.commitMarks();
    return;
  }
  await catchUpCorrelation(flags.db, io, waitFrom(flags, io));
  refuseOutputOverDatabase(flags, io);
  await withStore(flags.db, { readonly: !flags.sinceLast, wait: waitFrom(flags, io) }, (db) => {
    // "0 requests, 0 failed" with exit 0 would pass a nightly --fail-on over a store that holds nothing
    if (!hasIngestedFile(db)) {
      throw new StoreError(`${flags.db} holds no ingested log: its first ingest stored nothing (killed before its first commit, or no file could be read). Run \`droptrace ingest --db ${flags.db}\` with the logs first`, 'open-failed');
    }
    refuseOutputOverIngested(flags, db, io);
    // --since-last: the previous mark is read, the report written and the new mark left under the
    // write lock, so two nightly reports at once never cover the same requests. Otherwise one read
    // transaction: totals and details from the same committed verdicts.
    const inTransaction = flags.sinceLast ? writeTransaction : readTransaction;
    inTransaction(db, () => {
      const b = buildReportModel(db, { fromMs, toMs, sinceLast: flags.sinceLast ?? false, onStage: progress });
      if (progress) io.stderr.write('\r\u001b[K');
      emitReport(b, flags, resolved, io);
      if (flags.sinceLast) recordReportMark(db, b, flags.format);
      return b;
    });
  });
}

/** "report: stage…" on a terminal while the model is built. */
export function reportProgress(io: CliIO): ((stage: string) => void) | undefined {
  return io.stderr.isTTY === true ? (s: string) => void io.stderr.write(`\r\u001b[Kreport: ${s}…`) : undefined;
}

/** --out must not name the database's files (checked before the store is opened) nor a log it holds. */
export function refuseOutputOverDatabase(flags: ReportFlags, io: CliIO): void {
  if (flags.out !== undefined) refuseOutputOverInput(resolve(io.cwd, flags.out), databaseFiles(flags.db), io.cwd);
}

export function refuseOutputOverIngested(flags: ReportFlags, db: Db, io: CliIO): void {
  if (flags.out !== undefined) refuseOutputOverInput(resolve(io.cwd, flags.out), ingestedPaths(db).map((p) => ({ path: p, what: `a log file ingested into ${flags.db} (${p})` })), io.cwd);
}

/** The rendered report to stdout or --out, then the --fail-on rules. */
export function emitReport(built: BuiltReport, flags: ReportFlags, { rules, zone }: ResolvedReportFlags, io: CliIO): void {
  const color = flags.out === undefined && useColor(io);
  const text = renderReport(built.model, flags.format, { color, zone });
  if (flags.out !== undefined) {
    try {
      writeFileSync(resolve(io.cwd, flags.out), text);
    } catch (err) {
      throw new Error(`cannot write the report to ${flags.out}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
    }
    io.stderr.write(`report written to ${flags.out}\n`);
  } else {
    io.stdout.write(text);
  }
  const counts = ruleCounts(built.model.totals);
  for (const r of rules) {
    const o = evaluateRule(r, counts, built.model.totals.requests);
    if (o.held) {
      io.stderr.write(`${describeOutcome(o, built.model.totals.requests)}\n`);
      io.setExitCode(EXIT.failOn);
    }
  }
}

function parseRules(texts: readonly string[]): FailOnRule[] {
  // "silent>0,client_abort>1%" works as well as repeated flags.
  return texts.flatMap((t) => t.split(',')).filter((t) => t.trim() !== '').map((t) => {
    const r = parseFailOnRule(t);
    if (!r.ok) throw new UsageError(r.error);
    return r.rule;
  });
}

function resolveWindow(flags: ReportFlags, zone: string): { fromMs: number | null; toMs: number | null } {
  if (flags.last !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined) throw new UsageError('--last cannot be combined with --from/--to');
    const now = Date.now();
    return { fromMs: now - parseDurationArg(flags.last), toMs: now };
  }
  const fromMs = flags.from !== undefined ? parseTimeArg(flags.from, zone, '--from') : null;
  const toMs = flags.to !== undefined ? parseTimeArg(flags.to, zone, '--to') : null;
  if (fromMs !== null && toMs !== null && toMs <= fromMs) throw new UsageError(`--to (${flags.to}) must be after --from (${flags.from})`);
  return { fromMs, toMs };
}
