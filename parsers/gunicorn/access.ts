/**
 * The app server's own access line as an app request record (kind 'access'): what uvicorn or
 * gunicorn says it answered. It is evidence that the app answered a request, joined to nginx's
 * line in correlation like the middleware's lines; `logger` says whose line it is.
 */
import type { AppRequestRecord } from '../app/record.js';
import type { DurationMs, EpochMs } from '../../src/domain/units.js';
import type { LogLevel, ServerLogSource } from './record.js';

export interface ServerAccessFields {
  readonly source: Extract<ServerLogSource, 'gunicorn_access' | 'uvicorn_access'>;
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: LogLevel | null;
  readonly pid: number | null;
  readonly client: string | null;
  readonly method: string | null;
  readonly uri: string | null;
  readonly status: number | null;
  /** gunicorn's %(D)s / %(M)s / %(L)s / %(T)s: the request time, when the format logs one */
  readonly elapsed?: DurationMs | null;
  /** gunicorn's %({x-request-id}i)s, when the format logs one */
  readonly requestId?: string | null;
}

/** The logger each source writes through: gunicorn.access / uvicorn.access. */
export const ACCESS_LOGGER = { gunicorn_access: 'gunicorn.access', uvicorn_access: 'uvicorn.access' } as const;

export function buildServerAccessRecord(f: ServerAccessFields): AppRequestRecord {
  const q = f.uri === null ? -1 : f.uri.indexOf('?');
  return {
    kind: 'access',
    format: 'access',
    time: f.time,
    timeText: f.timeText,
    level: f.level,
    logger: ACCESS_LOGGER[f.source],
    pid: f.pid,
    method: f.method,
    path: f.uri === null ? null : q < 0 ? f.uri : f.uri.slice(0, q),
    uri: f.uri,
    status: f.status,
    elapsed: f.elapsed ?? null,
    requestId: f.requestId ?? null,
    client: f.client,
    error: null,
  };
}
