/**
 * Ingest, then correlate what is pending: what `droptrace analyze` (and `droptrace ingest
 * --correlate`) run, so the verdicts are up to date when the command returns. Plain `droptrace
 * ingest` only ingests; the commands that read verdicts catch up (pending-correlation.ts).
 */
import type { Db } from '../store/open.js';
import { ingestPaths, type IngestOptions, type IngestResult } from '../ingest/ingest.js';
import type { CorrelateResult } from './correlate.js';
import { correlatePending } from './pending-correlation.js';
import { runAudit, chainSnapshotRows, type AuditOptions } from '../audit/index.js';
import { saveChainSnapshot } from '../audit/snapshot-store.js';

export interface IngestAndCorrelateResult {
  readonly ingest: IngestResult;
  /** null when nothing was pending (the ingest added no row) */
  readonly correlation: CorrelateResult | null;
}

export async function ingestAndCorrelate(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestAndCorrelateResult> {
  const ingest = await ingestPaths(db, paths, opts);
  return { ingest, correlation: correlatePending(db) };
}

/**
 * `analyze --nginx-conf … --cmd …`: audits the configs and saves the chain as a snapshot (as `audit
 * --db` does), so the report's recommendations cite the configured values and their file:line. An
 * audit that fails is returned as its message: the logs are still analyzed, on what they show.
 */
export function auditIntoStore(db: Db, opts: AuditOptions, takenMs = Date.now()): { saved: number | null; error: string | null } {
  const outcome = runAudit(opts);
  if (!outcome.ok) {
    const e = outcome.error;
    return { saved: null, error: `${e.where ? `${e.where}: ` : ''}${e.message} (fix: ${e.fix})` };
  }
  const inputs = [opts.nginxConf && `nginx: ${opts.nginxConf}`, opts.gunicornConf && `gunicorn.conf: ${opts.gunicornConf}`, opts.cmd && `cmd: ${opts.cmd}`]
    .filter(Boolean).join('; ');
  return { saved: saveChainSnapshot(db, chainSnapshotRows(outcome.result), inputs, takenMs), error: null };
}
