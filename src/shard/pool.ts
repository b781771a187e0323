/**
 * Runs shards in parallel: up to `jobs` child processes at a time (default: the machine's cores),
 * each taking the next shard when it finishes one. Events come back for one progress display.
 */
import { availableParallelism } from 'node:os';
import type { ShardJob, ShardProgress, ShardResult } from './run-shard.js';
import { releaseWarmWorkers, takeWorker } from './prefork.js';

export type PoolEvent =
  | { readonly type: 'start'; readonly key: string }
  | ({ readonly type: 'progress' } & ShardProgress)
  | { readonly type: 'warning'; readonly key: string; readonly message: string }
  | { readonly type: 'done'; readonly result: ShardResult }
  | { readonly type: 'failed'; readonly key: string; readonly message: string };

export const defaultJobs = (): number => availableParallelism();

export interface PoolOutcome {
  readonly results: ShardResult[];
  readonly failed: { readonly key: string; readonly message: string }[];
}

function runInChild(job: ShardJob, onEvent: (e: PoolEvent) => void): Promise<ShardResult | { key: string; message: string }> {
  return new Promise((resolve) => {
    const child = takeWorker();
    let settled: ShardResult | { key: string; message: string } | null = null;
    child.on('message', (m: { type: string; [k: string]: unknown }) => {
      if (m.type === 'progress') onEvent(m as unknown as PoolEvent);
      else if (m.type === 'warning') onEvent({ type: 'warning', key: job.shard.key, message: m.message as string });
      else if (m.type === 'done') settled = m.result as ShardResult;
      else if (m.type === 'failed') settled = { key: job.shard.key, message: m.message as string };
    });
    child.on('exit', (code, signal) => {
      resolve(settled ?? { key: job.shard.key, message: `its process ended (${signal ?? `exit ${code}`}) before finishing` });
    });
    child.send(job);
  });
}

export async function runShardPool(jobs: readonly ShardJob[], parallel: number, onEvent: (e: PoolEvent) => void): Promise<PoolOutcome> {
  const results: ShardResult[] = [];
  const failed: { key: string; message: string }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      onEvent({ type: 'start', key: job.shard.key });
      const r = await runInChild(job, onEvent);
      if ('message' in r) {
        failed.push(r);
        onEvent({ type: 'failed', key: r.key, message: r.message });
      } else {
        results.push(r);
        onEvent({ type: 'done', result: r });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, lane));
  releaseWarmWorkers();
  const order = new Map(jobs.map((j, i) => [j.shard.key, i]));
  results.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  return { results, failed };
}
