/**
 * The request_verdicts row as the store writes it: what correlate/verdict-row.ts builds and the
 * verdict writer (verdict-batch.ts, verdict-writer.ts) packs and inserts.
 */
import { type FlagColumns, type Verdict } from '../../domain/verdicts.js';

/** A request_verdicts row; the fields are its columns (store/sql/correlation.ts VERDICT_COLUMNS). */
export interface VerdictRow extends FlagColumns {
  readonly access_id: number;
  readonly start_ms: number | null;
  readonly end_ms: number;
  readonly verdict: Verdict;
  readonly app_id: number | null;
  readonly app_ids: string | null;
  readonly app_match: string | null;
  readonly app_confidence: number | null;
  readonly app_status: number | null;
  readonly app_elapsed_ms: number | null;
  readonly app_pid: number | null;
  readonly app_completed: number | null;
  readonly app_end_ms: number | null;
  readonly worker_event_id: number | null;
  readonly worker_pid: number | null;
  readonly worker_event: string | null;
  readonly worker_time_ms: number | null;
  readonly error_ids: string | null;
  readonly attempts: string | null;
  readonly stalled_by: number | null;
  readonly wasted_ms: number | null;
  readonly explanation: string;
  /** 1: fits a keep-alive race the access log cannot show (no $upstream_* timing) */
  readonly keepalive_suspect: number;
  /** exact | inferred | cannot_tell: what supports the verdict */
  readonly evidence_level: string;
  /** JSON VerdictEvidence: the verdict's and each flag's support */
  readonly evidence: string;
}
