/**
 * `droptrace ingest|analyze --db DIR`: every shard in its own process, `--jobs` at a time, with one
 * progress line on a terminal, then one summary (the files of every shard, each with its shard).
 */
import type { CliIO } from './io.js';
import type { IngestFlags } from './commands/ingest.js';
import { resolveLogFormat } from './log-format.js';
import { assertKnownZone } from '../domain/time.js';
import { runShardPool, type PoolOutcome } from '../shard/pool.js';
import type { ShardJob } from '../shard/run-shard.js';
import { parseJobs, planFromFlags, type ShardFlags } from './shard-options.js';
import { renderTable } from '../output/rows.js';
import { parseLayerOf } from '../ingest/reading.js';
import { UsageError } from '../domain/errors.js';
import { resolveAppLogFormats } from './app-log-format.js';

export async function runShardedIngest(paths: string[], flags: IngestFlags & ShardFlags, io: CliIO): Promise<PoolOutcome> {
  if (flags.tz !== undefined) assertKnownZone(flags.tz);
  const { shards, overlap } = await planFromFlags(paths, flags);
  if (overlap !== null) io.stderr.write(`note: shard overlap ${overlap.ms / 1000} s: ${overlap.why}\n`);
  const parallel = parseJobs(flags.jobs);
  const logFormat = await resolveLogFormat(flags);
  const layerOf = flags.layerOf === undefined ? {} : parseLayerOf(flags.layerOf);
  if (typeof layerOf === 'string') throw new UsageError(`--layer-of: ${layerOf}`);
  // The Python layouts a single-database ingest is told of (--app-log-format, --gunicorn-access-format,
  // --gunicorn-conf) reach every shard too: without them a shard would reject what the user declared.
  const appFormats = resolveAppLogFormats(flags);
  for (const n of appFormats.notes) io.stderr.write(`note: ${n}\n`);
  const jobs: ShardJob[] = shards.map((shard) => ({
    shard,
    correlate: flags.correlate ?? false,
    ingest: {
      type: flags.type, tz: flags.tz ?? null, host: flags.host ?? null,
      logFormat, layerOf,
      appLogFormats: appFormats.appLogFormats, gunicornAccessFormat: appFormats.gunicornAccessFormat,
    },
  }));
  const tty = io.stderr.isTTY === true;
  const running = new Map<string, string>();
  let done = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < 200) return;
    lastDraw = now;
    io.stderr.write(`\r\u001b[Kshards ${done}/${jobs.length} done · ${[...running].map(([k, s]) => `${k} ${s}`).join(' · ')}`.slice(0, 160));
  };
  const outcome = await runShardPool(jobs, parallel, (e) => {
    if (e.type === 'start') running.set(e.key, 'starting');
    else if (e.type === 'progress') running.set(e.key, e.size ? `${Math.min(100, Math.round((e.bytes / e.size) * 100))}%` : `${(e.bytes / 1048576).toFixed(1)} MiB`);
    else if (e.type === 'warning') {
      if (tty) io.stderr.write('\r\u001b[K');
      io.stderr.write(`warning: ${e.key}: ${e.message}\n`);
    } else {
      done++;
      running.delete(e.type === 'done' ? e.result.key : e.key);
    }
    draw(e.type !== 'progress');
  });
  if (tty) io.stderr.write('\r\u001b[K');
  for (const f of outcome.failed) io.stderr.write(`error: shard ${f.key} failed: ${f.message}\n`);
  for (const r of outcome.results) for (const p of r.problems) io.stderr.write(`error: ${r.key}: ${p.path}: ${p.reason}\n`);
  return outcome;
}

export function renderShardSummary(outcome: PoolOutcome): string {
  const rows = outcome.results.flatMap((r) => r.files.map((f) => ({
    shard: r.key, path: f.path, type: f.type ?? 'unknown', lines: f.lines, records: f.records, rejected: f.rejected,
    skipped: f.skipped, decided: f.error ?? f.unplaced ?? f.decided,
  })));
  const lines = outcome.results.reduce((n, r) => n + r.files.reduce((m, f) => m + f.lines, 0), 0);
  return renderTable(rows, ['shard', 'path', 'type', 'lines', 'records', 'rejected', 'skipped', 'decided'], 90) +
    `${outcome.results.length} shard(s), ${lines} lines${outcome.failed.length > 0 ? `, ${outcome.failed.length} failed` : ''}\n`;
}

export function shardedSucceeded(outcome: PoolOutcome, io: CliIO): boolean {
  const unread = outcome.results.reduce((n, r) => n + r.files.filter((f) => f.unplaced !== undefined).length, 0);
  if (unread > 0) io.stderr.write(`error: ${unread} log file(s) not ingested: pass --type or --log-format as the warning says, then ingest again\n`);
  return unread === 0 && outcome.failed.length === 0 && outcome.results.every((r) => r.problems.length === 0);
}

export function shardSummaryJson(outcome: PoolOutcome) {
  return {
    shards: outcome.results.map((r) => ({
      key: r.key, ms: r.ms, trimmed: r.trimmed, requests: r.requests,
      files: r.files.map((f) => ({ path: f.path, type: f.type, lines: f.lines, records: f.records, rejected: f.rejected, skipped: f.skipped, decided: f.decided, error: f.error ?? f.unplaced ?? null })),
      problems: r.problems,
    })),
    failed: outcome.failed,
  };
}
