/**
 * Ingest, then correlate what the ingest changed: what `droptrace ingest` and `droptrace analyze`
 * run, so verdicts never lag behind the rows.
 */
import type { Db } from './store/open.js';
import { ingestPaths, type IngestOptions, type IngestResult } from './ingest/ingest.js';
import { correlate, type CorrelateResult } from './correlate/correlate.js';
import { EARLIEST_AFFECTED, HAS_VERDICTS, MAX_IDS } from './store/sql/watermarks.js';

export interface IngestAndCorrelateResult {
  readonly ingest: IngestResult;
  /** null when the ingest added no row */
  readonly correlation: CorrelateResult | null;
}

export async function ingestAndCorrelate(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestAndCorrelateResult> {
  const before = db.prepare(MAX_IDS).get() as Record<string, number>;
  const ingest = await ingestPaths(db, paths, opts);
  const earliest = (db.prepare(EARLIEST_AFFECTED).get(before) as { t: number | null }).t;
  if (earliest === null) return { ingest, correlation: null };
  const hasVerdicts = db.prepare(HAS_VERDICTS).get() !== undefined;
  return { ingest, correlation: correlate(db, { fromMs: hasVerdicts ? earliest : null }) };
}
