/** The rows the correlation sweeps read, as the SELECTs in store/sql/correlation.ts return them. */
export interface AccessRow {
  readonly id: number;
  readonly time_ms: number;
  readonly request_time_ms: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly remote_addr: string | null;
  readonly request_id: string | null;
  readonly connection: number | null;
  readonly attempts: string | null;
  readonly request_junk: number;
  readonly request: string | null;
}

export interface AppRow {
  readonly id: number;
  readonly kind: 'slow' | 'failed' | 'request' | 'access';
  /** access: the app server's own access line (uvicorn, gunicorn access_log_format) */
  readonly format: 'text' | 'ndjson' | 'access';
  readonly time_ms: number;
  readonly elapsed_ms: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly pid: number | null;
  readonly request_id: string | null;
}

export interface ErrorRow {
  readonly id: number;
  readonly time_ms: number;
  readonly level: string;
  readonly cid: number | null;
  readonly kind: string;
  readonly client: string | null;
  readonly request: string | null;
  readonly upstream: string | null;
  readonly message: string;
}

export interface WorkerEventRow {
  readonly id: number;
  readonly time_ms: number;
  readonly event: string;
  readonly pid: number | null;
  readonly worker_pid: number | null;
  readonly signal: number | null;
  readonly exit_code: number | null;
  readonly message: string;
}
