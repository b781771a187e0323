/**
 * The flags of a sharded `ingest`/`analyze` (--db DIR or --manifest): which stacks, which window,
 * how many at once. Reads them into a plan; the work is src/shard/.
 */
import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import { parseDurationArg, parseTimeArg } from '../domain/time-arg.js';
import { planShards, splitWindow, stacksFromDirectories, stacksFromManifest, type Shard } from '../shard/plan.js';
import { defaultJobs } from '../shard/pool.js';
import { isShardDirectory } from '../shard/shard-file.js';
import type { ChainInputs, OverlapChoice } from '../shard/overlap.js';

export interface ShardFlags extends ChainInputs {
  readonly db: string;
  readonly jobs?: string;
  readonly manifest?: string;
  readonly window?: string;
  readonly split?: string;
  readonly overlap?: string;
  readonly tz?: string;
}

export function addShardOptions(cmd: Command): Command {
  return cmd
    .option('--jobs <n>', 'shards run at once when --db is a directory (default: the number of cores)')
    .option('--manifest <file>', 'map log paths to stacks, one "stack path" per line (--db must then be a directory)')
    .option('--window <from,to>', 'shard by time: only requests that ended in [from, to), with --db DIR')
    .option('--split <duration>', 'cut --window into shards this long (1h, 30m)')
    .option('--overlap <duration>', "log rows kept either side of a window (default: the chain's longest request clock, from --nginx-conf, --gunicorn-conf and analyze's --cmd/--lb-* options; without them nginx's default proxy_read_timeout, 60s)");
}

/** Sharded when --db names a directory (an existing one, or a path ending in /) or a manifest is given. */
export function isSharded(flags: ShardFlags): boolean {
  return flags.manifest !== undefined || isShardDirectory(flags.db);
}

export function parseJobs(text: string | undefined): number {
  if (text === undefined) return defaultJobs();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs: "${text}" is not a positive whole number`);
  return n;
}

export interface ShardPlan {
  readonly shards: Shard[];
  /** with --window: the overlap and why (null without a window: nothing is trimmed) */
  readonly overlap: OverlapChoice | null;
}

export async function planFromFlags(paths: readonly string[], flags: ShardFlags): Promise<ShardPlan> {
  if (flags.manifest !== undefined && paths.length > 0) throw new UsageError('--manifest names the paths: pass no path arguments with it');
  if (paths.includes('-')) throw new UsageError('stdin (-) cannot be sharded: write it to a file in the stack\'s directory');
  if (!isShardDirectory(flags.db) && flags.manifest !== undefined) throw new UsageError(`--manifest writes one database per stack: --db must be a directory (${flags.db}/)`);
  const stacks = flags.manifest !== undefined ? stacksFromManifest(flags.manifest) : stacksFromDirectories(paths);
  if (stacks.length === 0) throw new UsageError('no stack to ingest: pass one log directory per stack, or --manifest');
  let windows = null;
  let overlap: OverlapChoice | null = null;
  if (flags.window !== undefined) {
    const [from, to, extra] = flags.window.split(',');
    if (from === undefined || to === undefined || extra !== undefined) throw new UsageError('--window: write FROM,TO (2026-12-04T00:00Z,2026-12-05T00:00Z)');
    const zone = flags.tz ?? 'UTC';
    const fromMs = parseTimeArg(from, zone, '--window');
    const toMs = parseTimeArg(to, zone, '--window');
    if (toMs <= fromMs) throw new UsageError('--window: TO must be after FROM');
    // loaded only for a window: it reads the chain's configs through the audit
    const { chooseOverlap } = await import('../shard/overlap.js');
    overlap = chooseOverlap(flags.overlap, {
      nginxConf: flags.nginxConf, gunicornConf: flags.gunicornConf, cmd: flags.cmd,
      lbIdleTimeout: flags.lbIdleTimeout, lbProvider: flags.lbProvider, haproxyConf: flags.haproxyConf,
    });
    windows = splitWindow(fromMs, toMs, flags.split === undefined ? null : parseDurationArg(flags.split, '--split'), overlap.ms);
  } else if (flags.split !== undefined) {
    throw new UsageError('--split cuts a --window: pass --window FROM,TO too');
  } else if (flags.overlap !== undefined) {
    throw new UsageError('--overlap widens a --window: pass --window FROM,TO too');
  }
  return { shards: planShards(stacks, windows, flags.db), overlap };
}
