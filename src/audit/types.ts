/**
 * The audit's output: the timeout chain per proxied location, and findings. This is the JSON
 * contract (`droptrace audit --format json`) and what the store saves (snapshot.ts): field names are
 * snake_case and stable; add fields, never rename them.
 */
export type Layer = 'client' | 'lb' | 'nginx' | 'gunicorn' | 'uvicorn' | 'app';
export type Severity = 'error' | 'warn' | 'info';

export interface ChainValue {
  readonly layer: Layer;
  /** As the layer spells it: `proxy_read_timeout`, `upstream app keepalive_timeout`, `timeout`, `idle timeout`. */
  readonly setting: string;
  /** As written (or the default), e.g. "1m30s", "1.1", "uvicorn.workers.UvicornWorker". */
  readonly value: string;
  /** Seconds for clocks; null for values that are not durations. */
  readonly value_s: number | null;
  /** "file:line", "file:line (--timeout)", "--lb-idle-timeout", or "default …". */
  readonly source: string;
}

export interface ChainLink {
  readonly server: string;
  readonly listen: readonly string[];
  readonly location: string;
  readonly location_source: string;
  readonly proxy_pass: string;
  readonly upstream: string | null;
  readonly websocket: boolean;
  /** The app server behind this location, or null when none was given or its bind matches no upstream address. */
  readonly app_server: 'gunicorn' | 'uvicorn' | null;
  readonly values: readonly ChainValue[];
  readonly notes: readonly string[];
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** "*" for findings about the app server as a whole. */
  readonly server: string;
  readonly location: string;
  readonly values: readonly ChainValue[];
  /** What fails, and how it shows in the logs. */
  readonly message: string;
  readonly fix: string;
}

export interface ServerLogs {
  readonly server: string;
  readonly location: string;
  readonly access_logs: readonly { readonly path: string; readonly format: string; readonly source: string }[];
  readonly error_logs: readonly { readonly path: string; readonly level: string; readonly source: string }[];
}

export interface AuditResult {
  readonly chain: readonly ChainLink[];
  readonly findings: readonly Finding[];
  /** Which access and error logs each server (and each location that overrides them) writes. */
  readonly logs: readonly ServerLogs[];
  readonly log_formats: readonly { readonly name: string; readonly escape: string; readonly format: string; readonly source: string }[];
  /** What was read, and what could not be. */
  readonly inputs: {
    readonly nginx_files: readonly string[];
    readonly app_server: { readonly kind: string; readonly command: string | null; readonly source: string | null } | null;
    readonly notes: readonly string[];
  };
}
