/**
 * `droptrace analyze`: the main job in one command — ingest, correlate, report (correlate/analyze.ts,
 * over one open store; with --db DIR/ the shards run first, the configs are audited into each, then
 * the fleet report). Ingest warnings and its summary go to stderr, so stdout holds only the report
 * (pipe it, or --out it).
 */
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { dbOption, memoryLimitFrom, waitFrom, withStore } from '../shared.js';
import { analyze } from '../../correlate/analyze.js';
import { LB_PROVIDERS, type LbProvider } from '../../audit/haproxy-conf.js';
import type { AuditOptions } from '../../audit/index.js';
import { addIngestOptions, ingestSucceeded, removeIfNothingStored, renderIngestSummary, startIngest, type IngestFlags } from './ingest.js';
import {
  addReportOptions, emitReport, refuseOutputOverDatabase, refuseOutputOverIngested, reportProgress, resolveReportFlags, runReportCommand,
  type ReportFlags,
} from './report.js';
import { isSharded } from '../shard-options.js';
import { renderShardSummary, runShardedIngest, shardedSucceeded } from '../shard-run.js';
import { UsageError } from '../../domain/errors.js';
import { auditIntoStores } from '../../audit/snapshot-store.js';
import { listShards } from '../../shard/shard-file.js';

interface AuditFlags {
  readonly cmd?: string; readonly gunicornConf?: string; readonly lbIdleTimeout?: string; readonly nginxConf?: string;
  readonly lbProvider?: LbProvider; readonly haproxyConf?: string;
}

export function registerAnalyzeCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('analyze')
    .description('ingest log files, correlate them and print the report (the quick start)')
    .argument('[paths...]', 'log files, directories, globs, or - for stdin; with --db DIR one directory per stack');
  dbOption(addReportOptions(addIngestOptions(cmd), { withTz: false }))
    .option('--cmd <command>', 'the gunicorn/uvicorn command line (or a Dockerfile / compose file / Procfile / systemd unit): with --nginx-conf, the audited chain the recommendations cite')
    // --gunicorn-conf comes with the ingest options (its log formats); analyze also audits it.
    .option('--lb-idle-timeout <dur>', "the load balancer's idle timeout (60, 60s, 1m), for the audited chain")
    .addOption(new Option('--lb-provider <provider>', "the load balancer in front (its default idle timeout), for the audited chain").choices([...LB_PROVIDERS]))
    .option('--haproxy-conf <file>', 'haproxy.cfg of the HAProxy in front of nginx, for the audited chain')
    .action(async (paths: string[], flags: IngestFlags & ReportFlags & AuditFlags) => {
      const resolved = resolveReportFlags(flags);
      // before the ingest: a sharded analyze reports through DuckDB, one database does not
      memoryLimitFrom(flags, isSharded(flags));
      if (isSharded(flags)) {
        const outcome = await runShardedIngest(paths, { ...flags, correlate: true }, io);
        io.stderr.write(renderShardSummary(outcome));
        if (!shardedSucceeded(outcome, io)) io.setExitCode(EXIT.error);
        if (outcome.results.length === 0) return;
        const audit = auditOptions(flags);
        if (audit !== null) {
          // the chain each shard run keeps, as one database's analyze saves it: the fleet report cites it
          const ran = new Set(outcome.results.map((r) => r.key));
          const saved = auditIntoStores(listShards(flags.db).filter((s) => ran.has(s.key)).map((s) => s.db), audit, waitFrom(flags, io));
          if (saved.error !== null) io.stderr.write(`warning: the configs could not be audited, the advice reads the logs only: ${saved.error}\n`);
        }
        await runReportCommand(flags, io, resolved);
        return;
      }
      if (paths.length === 0) throw new UsageError('analyze: pass the log files to read (or --db DIR with --manifest)');
      const run = await startIngest(flags, io);
      const progress = reportProgress(io);
      const result = await withStore(flags.db, { wait: waitFrom(flags, io) }, (db) => analyze(db, paths, {
        ingest: run.opts,
        audit: auditOptions(flags),
        report: { fromMs: resolved.fromMs, toMs: resolved.toMs, sinceLast: flags.sinceLast ?? false, onStage: progress, markFormat: flags.format },
        createdStore: run.created,
      }, {
        ingested: ({ ingest }) => {
          run.finished(ingest);
          io.stderr.write(renderIngestSummary(ingest));
          if (!ingestSucceeded(ingest, io)) io.setExitCode(EXIT.error);
        },
        audited: (audit) => {
          if (audit.error !== null) io.stderr.write(`warning: the configs could not be audited, the advice reads the logs only: ${audit.error}\n`);
        },
        report: (built) => {
          refuseOutputOverDatabase(flags, io);
          refuseOutputOverIngested(flags, db, io);
          if (progress) io.stderr.write('\r\u001b[K');
          emitReport(built, flags, resolved, io);
        },
      }));
      removeIfNothingStored(run, result.ingest, flags.db);
    });
}

/** The configs to audit into the chain the recommendations cite; null when none was given. */
function auditOptions(flags: AuditFlags): AuditOptions | null {
  if (flags.nginxConf === undefined && flags.cmd === undefined && flags.gunicornConf === undefined) return null;
  return {
    nginxConf: flags.nginxConf, cmd: flags.cmd, gunicornConf: flags.gunicornConf, lbIdleTimeout: flags.lbIdleTimeout,
    lbProvider: flags.lbProvider, haproxyConf: flags.haproxyConf,
  };
}
