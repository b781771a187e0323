/**
 * gunicorn's stderr is a mixed stream: gunicorn's own lines, uvicorn's lines (with no time), uvicorn
 * access lines, the application's logging lines and tracebacks. One record per line kind.
 */
import type { EpochMs } from '../../src/domain/units.js';
import type { AppRequestRecord } from '../app/record.js';

/** gunicorn_access: gunicorn's own access log (CLF, `--access-logfile -`) when it shares the stream. */
export type ServerLogSource = 'gunicorn' | 'gunicorn_access' | 'uvicorn' | 'uvicorn_access' | 'app';

export type GunicornEvent =
  | 'starting'            // Starting gunicorn 20.1.0
  | 'listening'           // Listening at: http://127.0.0.1:8000 (pid)
  | 'using_worker'        // Using worker: uvicorn.workers.UvicornWorker
  | 'booting_worker'      // Booting worker with pid: 42 / Worker spawned (pid: 42)
  | 'worker_timeout'      // WORKER TIMEOUT (pid:42)
  | 'worker_signaled'     // Worker with pid 42 was terminated due to signal 9 (20.x)
  | 'worker_killed'       // Worker (pid:42) was sent SIGKILL! Perhaps out of memory? / was sent SIGTERM!
  | 'worker_exited'       // Worker (pid:42) exited with code 1 / was sent code 132! (status in exitCode)
  | 'worker_count'        // DEBUG "3 workers" (the arbiter's count after each change; count in message)
  | 'worker_exiting'      // Worker exiting (pid: 42)
  | 'worker_aborted'      // worker aborting / Worker graceful timeout (pid:42)
  | 'handling_signal'     // Handling signal: term
  | 'shutting_down'       // Shutting down: Master
  | 'reason'              // Reason: Worker failed to boot.
  | 'error_handling_request'
  | 'server_started'      // uvicorn: Started server process [42]
  | 'app_startup'         // uvicorn: Waiting for application startup / Application startup complete.
  | 'app_shutdown'        // uvicorn: Shutting down / Finished server process [42]
  | 'access'              // uvicorn access line, or gunicorn's own access log line
  | 'log';                // anything else (app logging, warnings)

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'trace';

export interface ServerLogRecord {
  readonly source: ServerLogSource;
  readonly event: GunicornEvent;
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: LogLevel | null;
  /** The pid that printed the line, when the layout shows one */
  readonly pid: number | null;
  /** The worker the event is about: WORKER TIMEOUT (pid:42) → 42 */
  readonly workerPid: number | null;
  /** Signal number: "terminated due to signal 9", "was sent SIGKILL!" → 9, "Handling signal: term" → 15 */
  readonly signal: number | null;
  readonly exitCode: number | null;
  readonly message: string;
  /** uvicorn access lines: client address, method, path (with query), status */
  readonly client: string | null;
  readonly method: string | null;
  readonly uri: string | null;
  readonly status: number | null;
}

/**
 * What the gunicorn stream parser returns: most lines go to the server log, but the app's
 * slow-request middleware lines in the same stream are app request records (routed to app_requests).
 */
export type GunicornStreamRecord =
  | { readonly table: 'server'; readonly row: ServerLogRecord }
  | { readonly table: 'app'; readonly row: AppRequestRecord };
