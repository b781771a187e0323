/** What the app said about one request: a middleware text line or one NDJSON object. */
import type { DurationMs, EpochMs } from '../../src/domain/units.js';

export type AppRecordKind =
  | 'slow'      // "Slow request: 25.03s GET /slow"
  | 'failed'    // "Request failed after 0.12s: GET /x"
  | 'request'   // an NDJSON request log entry (every request, not only slow ones)
  | 'access';   // the app server's own access line: uvicorn's or gunicorn's access_log_format (logger says which)

export interface AppRequestRecord {
  readonly kind: AppRecordKind;
  /** text: a middleware line; ndjson: an NDJSON object; access: the app server's access line */
  readonly format: 'text' | 'ndjson' | 'access';
  /** When the line was logged: the handler's end (or the time field of the NDJSON object) */
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: string | null;
  readonly logger: string | null;
  readonly pid: number | null;
  readonly method: string | null;
  /** Path as the app saw it, without the query (a logged query is stripped into `uri`) */
  readonly path: string | null;
  /** The path with its query exactly as logged; optional so existing record literals still compile */
  readonly uri?: string | null;
  readonly status: number | null;
  readonly elapsed: DurationMs | null;
  readonly requestId: string | null;
  readonly client: string | null;
  /** Error text for failed requests (exception name/message when logged) */
  readonly error: string | null;
}
