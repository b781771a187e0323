/** Shards as a library: plan a run, run it on every core, list what a --db directory holds. */
export { planShards, stacksFromDirectories, stacksFromManifest, splitWindow, type Shard, type Stack } from './plan.js';
export { runShardPool, defaultJobs, type PoolEvent, type PoolOutcome } from './pool.js';
export { runShard, type ShardJob, type ShardResult, type ShardIngestOptions } from './run-shard.js';
export { listShards, isShardDirectory, type ShardRecord } from './shard-file.js';
export { ownedRange, trimToWindow, type ShardWindow } from './window.js';
