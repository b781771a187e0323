/** Rules about the app server on its own: how many workers, and what gunicorn's timeout means for them. */
import { chainValue } from '../chain.js';
import { said, secs, type AuditRule } from './rule.js';

export const singleWorker: AuditRule = {
  id: 'single-worker',
  severity: 'warn',
  summary: 'One worker process: one slow or blocking request stalls every other.',
  evidence:
    "gunicorn and uvicorn start one worker unless told otherwise (`workers`, $WEB_CONCURRENCY). A sync worker handles one request at a time; an async worker's event loop stops for any blocking call.",
  fix: 'Run several workers (gunicorn: 2×cores+1 for sync; one per core for uvicorn workers).',
  check({ app }) {
    if (!app || Number(app.workers.value) !== 1) return [];
    if (app.model === 'threads' && Number(app.threads.value) > 1) return [];
    const how =
      app.model === 'sync'
        ? 'The single sync worker serves one request at a time: every request waits behind the slowest one, and nginx times them out together.'
        : app.model === 'asgi'
          ? 'All requests share one event loop: one blocking call (time.sleep, sync DB driver, CPU work) stalls every request in flight.'
          : 'All requests share one process: a blocking call or a crash takes them all down.';
    return [
      {
        server: '*',
        location: '*',
        values: [chainValue(app.kind, 'workers', app.workers), chainValue(app.kind, app.kind === 'gunicorn' ? 'worker_class' : 'worker', app.workerClass)],
        message: `${app.kind} runs 1 worker (workers from ${app.workers.source}). ${how} A restart (WORKER TIMEOUT, deploy) leaves nothing serving: nginx logs 502 "connect() failed (111: Connection refused)" or queues.`,
        fix: app.kind === 'gunicorn' ? 'Start gunicorn with `-w 4` (or set workers in gunicorn.conf.py / $WEB_CONCURRENCY).' : 'Start uvicorn with `--workers 4`, or run it under gunicorn with `-k uvicorn.workers.UvicornWorker -w 4`.',
      },
    ];
  },
};

export const asyncWorkerTimeoutIsHeartbeat: AuditRule = {
  id: 'async-worker-timeout-is-heartbeat',
  severity: 'info',
  summary: "With async/threaded workers gunicorn's timeout catches a blocked worker, not a slow request.",
  evidence:
    "gunicorn's arbiter kills a worker whose heartbeat is older than `timeout`. Sync workers heartbeat between requests; UvicornWorker heartbeats from its event loop (uvicorn Server.on_tick → callback_notify), gthread from its main loop. A slow awaiting request keeps the heartbeat going; only a blocked loop stops it.",
  fix: 'Enforce request deadlines in the app (asyncio.wait_for, a timeout middleware) below proxy_read_timeout; keep gunicorn timeout as the blocked-loop guard.',
  check({ app }) {
    if (!app || app.kind !== 'gunicorn' || app.model === 'sync' || !app.timeout) return [];
    return [
      {
        server: '*',
        location: '*',
        values: [chainValue('gunicorn', 'worker_class', app.workerClass), chainValue('gunicorn', 'timeout', app.timeout)],
        message:
          `With ${app.workerClass.value} workers, gunicorn's timeout ${said(app.timeout)} does not limit a request: a slow awaiting request runs until nginx's proxy_read_timeout (504). ` +
          `It fires only when the worker stops heartbeating — a blocked event loop (time.sleep, sync I/O, CPU work) — and then kills every request on that worker: gunicorn logs "WORKER TIMEOUT (pid:N)", nginx logs 502 "upstream prematurely closed connection". ` +
          `The worker heartbeats only every ~${secs(app.timeout.seconds === null ? null : app.timeout.seconds / 2)} (gunicorn gives workers timeout/2), so the kill comes anywhere from about ${secs(app.timeout.seconds === null ? null : Math.max(0, app.timeout.seconds / 2 - 1))} to ${secs(app.timeout.seconds === null ? null : app.timeout.seconds + 1)} into the blocking call, not at exactly ${secs(app.timeout.seconds)}.`,
        fix: 'Put a deadline in the app for slow requests; treat WORKER TIMEOUT as "something blocked the event loop" and look for sync calls in async code.',
      },
    ];
  },
};
