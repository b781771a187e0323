/**
 * `droptrace analyze` as one flow over one open store: ingest, correlate what the ingest added,
 * audit the configs into a chain snapshot when they are given, then build the report. The report
 * reads the verdicts this flow just wrote, on the same connection: no second open, no second look
 * for pending rows. `droptrace ingest --correlate` runs the first half (ingestAndCorrelate); plain
 * `droptrace ingest` only ingests, and the commands that read verdicts catch up
 * (pending-correlation.ts).
 */
import type { Db } from '../store/open.js';
import { readTransaction, writeTransaction } from '../store/write-lock.js';
import { ingestPaths, type IngestOptions, type IngestResult } from '../ingest/ingest.js';
import { nothingStored } from '../ingest/ingest-result.js';
import type { CorrelateResult } from './correlate.js';
import { correlatePending } from './pending-correlation.js';
import type { AuditOptions } from '../audit/index.js';
import { auditIntoStore, type AuditIntoStore } from '../audit/snapshot-store.js';
import { buildReportModel, recordReportMark, type BuiltReport, type ReportOptions } from '../report/index.js';

export interface IngestAndCorrelateResult {
  readonly ingest: IngestResult;
  /** null when nothing was pending (the ingest added no row) */
  readonly correlation: CorrelateResult | null;
}

export async function ingestAndCorrelate(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestAndCorrelateResult> {
  const ingest = await ingestPaths(db, paths, opts);
  return { ingest, correlation: correlatePending(db) };
}

export interface AnalyzeOptions {
  readonly ingest: IngestOptions;
  /** The configs whose chain the report's recommendations cite; null when none was given */
  readonly audit: AuditOptions | null;
  /** The report's window and stages; its inputs that gave nothing are this run's failures */
  readonly report: Omit<ReportOptions, 'notRead'> & {
    /** the format the --since-last mark records (the mark is left only with sinceLast) */
    readonly markFormat: string;
  };
  /** The store was created for this run: when the ingest stored nothing there is nothing to report */
  readonly createdStore: boolean;
}

export interface AnalyzeSteps {
  /** After the ingest and its correlation, before the audit and the report */
  readonly ingested?: (r: IngestAndCorrelateResult) => void;
  readonly audited?: (r: AuditIntoStore) => void;
  /**
   * The built report, inside the report's transaction, before a --since-last mark is left: a
   * report that could not be delivered (it throws) leaves no mark, so the next one covers it again.
   */
  readonly report: (built: BuiltReport) => void;
}

export interface AnalyzeResult extends IngestAndCorrelateResult {
  /** null when no config was given, or the report was skipped */
  readonly audit: AuditIntoStore | null;
  /** null when the store was created for this run and the ingest stored nothing */
  readonly report: BuiltReport | null;
}

export async function analyze(db: Db, paths: readonly string[], opts: AnalyzeOptions, steps: AnalyzeSteps): Promise<AnalyzeResult> {
  const { ingest, correlation } = await ingestAndCorrelate(db, paths, opts.ingest);
  steps.ingested?.({ ingest, correlation });
  if (opts.createdStore && nothingStored(ingest)) return { ingest, correlation, audit: null, report: null };
  let audit: AuditIntoStore | null = null;
  if (opts.audit !== null) {
    audit = auditIntoStore(db, opts.audit);
    steps.audited?.(audit);
  }
  const { markFormat, ...window } = opts.report;
  const notRead = [...ingest.failures, ...ingest.problems];
  // --since-last: the previous mark read, the report delivered and the new mark left under the
  // write lock, so two nightly runs never cover the same requests. Otherwise one read transaction:
  // totals and details from the same committed verdicts.
  const inTransaction = window.sinceLast ? writeTransaction : readTransaction;
  const report = inTransaction(db, () => {
    const built = buildReportModel(db, { ...window, notRead });
    steps.report(built);
    if (window.sinceLast) recordReportMark(db, built, markFormat);
    return built;
  });
  return { ingest, correlation, audit, report };
}

/** Every input gave nothing: no file row was kept (the caller removes a store it created). */
export { nothingStored };
