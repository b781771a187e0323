/**
 * Ingest, then correlate what is pending: what `droptrace analyze` (and `droptrace ingest
 * --correlate`) run, so the verdicts are up to date when the command returns. Plain `droptrace
 * ingest` only ingests; the commands that read verdicts catch up (pending-correlation.ts).
 */
import type { Db } from './store/open.js';
import { ingestPaths, type IngestOptions, type IngestResult } from './ingest/ingest.js';
import type { CorrelateResult } from './correlate/correlate.js';
import { correlatePending } from './pending-correlation.js';

export interface IngestAndCorrelateResult {
  readonly ingest: IngestResult;
  /** null when nothing was pending (the ingest added no row) */
  readonly correlation: CorrelateResult | null;
}

export async function ingestAndCorrelate(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestAndCorrelateResult> {
  const ingest = await ingestPaths(db, paths, opts);
  return { ingest, correlation: correlatePending(db) };
}
