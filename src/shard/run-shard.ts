/**
 * One shard's work, in whatever process runs it: ingest its stack's logs into its own database,
 * keep only its window (widened by the overlap), and correlate when asked. Returns a summary small
 * enough to cross a process boundary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { closeStore, openStore, settleScratch } from '../store/open.js';
import { ingestPaths, type IngestOptions } from '../ingest/ingest.js';
import type { FileSummary } from '../ingest/file-ingest.js';
import type { Shard } from './plan.js';
import { overlapWarning, trimToWindow } from './window.js';
import { writeShardRecord } from './shard-file.js';
import { discardPartial, flushWhileBuilding, partialPath, publishPartial, removeStalePartials } from './build-file.js';

/** The ingest options that can be sent to another process (no streams, no callbacks). */
export type ShardIngestOptions = Pick<IngestOptions, 'type' | 'tz' | 'host' | 'logFormat' | 'layerOf' | 'batchLines' | 'appLogFormats' | 'gunicornAccessFormat'>;

export interface ShardJob {
  readonly shard: Shard;
  readonly ingest: ShardIngestOptions;
  readonly correlate: boolean;
}

export interface ShardResult {
  readonly key: string;
  readonly files: FileSummary[];
  readonly problems: { readonly path: string; readonly reason: string }[];
  readonly warnings: string[];
  /** log rows deleted because no request of the window can need them */
  readonly trimmed: number;
  /** requests correlated, null when the shard was not correlated (or nothing was pending) */
  readonly requests: number | null;
  readonly ms: number;
}

export interface ShardProgress {
  readonly key: string;
  readonly path: string;
  readonly bytes: number;
  readonly size: number | null;
}

export async function runShard(job: ShardJob, onProgress?: (p: ShardProgress) => void, onWarning?: (m: string) => void): Promise<ShardResult> {
  const t0 = Date.now();
  const { shard } = job;
  mkdirSync(dirname(shard.db), { recursive: true });
  // A new shard is built aside and renamed into place whole (build-file.ts); an existing one resumes.
  const fresh = !existsSync(shard.db);
  if (fresh) removeStalePartials(shard.db);
  const db = openStore(fresh ? partialPath(shard.db) : shard.db, { scratch: fresh });
  const stopFlushing = fresh ? flushWhileBuilding(shard.db) : async () => {};
  let result: ShardResult;
  try {
    const warnings: string[] = [];
    const ingest = await ingestPaths(db, shard.paths, {
      ...job.ingest,
      // --host defaults to the stack's name: rows say where they came from once shards are merged
      host: job.ingest.host ?? shard.stack,
      onWarning: (m) => {
        warnings.push(m);
        onWarning?.(m);
      },
      ...(onProgress ? { onProgress: (p) => onProgress({ key: shard.key, ...p }) } : {}),
    });
    const trimmed = shard.window === null ? 0 : trimToWindow(db, shard.window);
    if (fresh) settleScratch(db);
    let requests: number | null = null;
    if (job.correlate) {
      // loaded only here: an ingest-only shard process starts without the correlation's modules
      const { correlatePending } = await import('../correlate/pending-correlation.js');
      const r = correlatePending(db);
      requests = r === null ? null : r.requests;
      const w = shard.window === null ? null : overlapWarning(db, shard.window);
      if (w !== null) {
        warnings.push(`${shard.key}: ${w}`);
        onWarning?.(`${shard.key}: ${w}`);
      }
    }
    result = { key: shard.key, files: ingest.files, problems: ingest.problems, warnings, trimmed, requests, ms: 0 };
  } catch (err) {
    await stopFlushing();
    closeStore(db);
    if (fresh) discardPartial(shard.db);
    throw err;
  }
  await stopFlushing();
  closeStore(db);
  if (fresh) publishPartial(shard.db);
  writeShardRecord(shard);
  return { ...result, ms: Date.now() - t0 };
}
