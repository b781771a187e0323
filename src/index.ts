/**
 * droptrace as a library: the public API that tests and other tools can call directly. The CLI's
 * commands call these and, for their own wiring (flags, progress, shards), the modules behind them.
 */
export { openStore, type Db } from './store/open.js';
export { ingestPaths, type IngestOptions, type IngestResult } from './ingest/ingest.js';
export {
  analyze, ingestAndCorrelate, type AnalyzeOptions, type AnalyzeSteps, type AnalyzeResult, type IngestAndCorrelateResult,
} from './correlate/analyze.js';
export { correlatePending, rebuildCorrelation, hasPendingCorrelation, correlateStoreIfPending, type CatchUp } from './correlate/pending-correlation.js';
export { correlate, type CorrelateOptions, type CorrelateResult } from './correlate/correlate.js';
export { iterateRequests, type RequestRecord, type RequestFilter } from './lookup/requests.js';
export { findRequests, traceRequest, renderTrace, type RequestTrace } from './lookup/trace.js';
export { runQuery } from './lookup/query.js';
export { VERDICTS, FLAGS, type Verdict, type Flag } from './domain/verdicts.js';
export { detectSource, type SourceType } from './ingest/detect.js';
