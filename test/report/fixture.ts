/**
 * A report fixture: a small database with one of everything a report shows, inserted row by row
 * (deterministic, independent of the parsers and the correlator): ok traffic, 499s at a client's
 * 10 s clock with wasted work, 504s at nginx's 60 s proxy_read_timeout, a WORKER TIMEOUT with a retry
 * and its blocker, an OOM kill, an event-loop stall, keep-alive races, an app error, and hostile
 * URIs / user agents.
 */
import { join } from 'node:path';
import { openStore, type Db } from '../../src/store/open.js';

export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const HOSTILE_URI = '/<script>alert(1)</script>';
export const HOSTILE_QUERY_URI = '/api/items/1?q=<img src=x onerror="document.title=\'pwned\'">';
export const HOSTILE_UA = 'curl/8.0 \u001b[31mRED\u001b[0m \u001b]0;title\u0007';

const TIMING_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time us="$upstream_status" rid=$request_id';

interface Req {
  end: number; dur: number; method?: string; uri: string; status: number; verdict: string;
  silent?: boolean; wasted?: number; retried?: boolean; stalledBy?: number; race?: boolean;
  appPid?: number | null; appElapsed?: number | null; appCompleted?: boolean | null;
  workerEvent?: number; workerPid?: number; attempts?: unknown[]; ua?: string; explanation?: string;
}

export function buildFixtureDb(dir: string): { path: string; db: Db } {
  const path = join(dir, 'fixture.db');
  const db = openStore(path);
  const file = db.prepare(`INSERT INTO files (id, path, type, format, tz, head_hash, head_len, records, first_ingested_ms, last_ingested_ms)
    VALUES (?, ?, ?, ?, 'UTC', 'x', 0, ?, 0, 0)`);
  const access = db.prepare(`INSERT INTO nginx_access (id, file_id, line_no, offset, pattern, time_ms, method, uri, path, query, status,
    request_time_ms, user_agent, request_id, attempts, attempt_count) VALUES (@id, 1, @id, 0, 'droptrace', @end, @method, @uri, @path, @query, @status,
    @dur, @ua, @rid, @attempts, @attempt_count)`);
  const verdict = db.prepare(`INSERT INTO request_verdicts (access_id, start_ms, end_ms, verdict, silent, wasted_work, retried, stalled,
    keepalive_race, app_pid, app_elapsed_ms, app_completed, app_end_ms, worker_event_id, worker_pid, attempts, stalled_by, wasted_ms, explanation,
    evidence_level, evidence) VALUES (@id, @start, @end, @verdict, @silent, @wasted_work, @retried, @stalled, @race, @app_pid, @app_elapsed, @app_completed, @app_end,
    @worker_event, @worker_pid, @attempts, @stalled_by, @wasted_ms, @explanation, @level, @evidence)`);
  const server = db.prepare(`INSERT INTO server_log (id, file_id, line_no, offset, pattern, source, event, time_ms, level, pid, worker_pid, signal, message)
    VALUES (?, 3, ?, 0, 'gunicorn', 'gunicorn', ?, ?, ?, 100, ?, ?, ?)`);
  const error = db.prepare(`INSERT INTO nginx_error (id, file_id, line_no, offset, pattern, time_ms, level, kind, message, upstream, request)
    VALUES (?, 2, ?, 0, 'error', ?, 'error', ?, ?, 'http://127.0.0.1:8000/', ?)`);
  const app = db.prepare(`INSERT INTO app_requests (id, file_id, line_no, offset, pattern, kind, format, time_ms, pid, method, path, status, elapsed_ms)
    VALUES (?, 4, ?, 0, 'ndjson', 'request', 'ndjson', ?, ?, ?, ?, ?, ?)`);

  const reqs: Req[] = [];
  // Ordinary traffic: 60 requests over 10 minutes, ids collapsed into a few endpoints.
  for (let i = 0; i < 60; i++) {
    const uri = i % 3 === 0 ? `/api/items/${100 + i}` : i % 3 === 1 ? `/api/users/3f2504e0-4f89-11d3-9a0c-0305e82c330${i % 10}/orders` : '/health';
    reqs.push({ end: T0 + i * 10_000 + 500, dur: 40 + (i % 7) * 11, uri, status: 200, verdict: 'ok', appPid: 103, appElapsed: 30 + (i % 7) * 10, appCompleted: true });
  }
  // A client whose own timeout is 10 s: 499s at 10.0 s, the handler ran on and finished later.
  for (let i = 0; i < 4; i++) {
    reqs.push({ end: T0 + 60_000 + i * 45_000, dur: 10_000 + i, uri: `/api/report/${7 + i}`, status: 499, verdict: 'client_abort', silent: true,
      wasted: 3_000 + i * 500, appPid: 104, appElapsed: 13_000 + i * 500, appCompleted: true, ua: 'report-cron/1.2 python-requests/2.31', explanation: 'nginx logged 499: the client closed the connection before the answer; the handler still ran to completion' });
  }
  // nginx's default proxy_read_timeout: 504s at 60 s on the export.
  for (let i = 0; i < 3; i++) {
    reqs.push({ end: T0 + 200_000 + i * 61_000, dur: 60_001 + i * 2, uri: '/api/export', status: 504, verdict: 'proxy_timeout', silent: true,
      attempts: [{ status: 504, addr: '127.0.0.1:8000', response_ms: 60_000, outcome: 'failed', worker_pid: null, worker_event_id: null }] });
  }
  // WORKER TIMEOUT of pid 101 at T0+300 s: the blocker started 30.6 s before, a bystander died too, one request retried.
  const death = T0 + 300_000;
  reqs.push({ end: death + 40, dur: 30_640, uri: '/api/slow/7', status: 502, verdict: 'worker_timeout', silent: true, workerEvent: 1, workerPid: 101,
    appPid: 101, appCompleted: false, attempts: [{ status: 502, addr: '127.0.0.1:8000', response_ms: 30_640, outcome: 'worker_timeout', worker_pid: 101, worker_event_id: 1 }] });
  reqs.push({ end: death + 45, dur: 2_045, uri: '/api/items/3', status: 502, verdict: 'worker_timeout', silent: true, workerEvent: 1, workerPid: 101,
    attempts: [{ status: 502, addr: '127.0.0.1:8000', response_ms: 2_045, outcome: 'worker_timeout', worker_pid: 101, worker_event_id: 1 }] });
  reqs.push({ end: death + 180, dur: 1_180, uri: '/api/items/4', status: 200, verdict: 'ok', retried: true, appPid: 102, appElapsed: 120, appCompleted: true,
    attempts: [
      { status: 502, addr: '127.0.0.1:8000', response_ms: 1_050, outcome: 'worker_timeout', worker_pid: 101, worker_event_id: 1 },
      { status: 200, addr: '127.0.0.1:8001', response_ms: 130, outcome: 'answered', worker_pid: null, worker_event_id: null },
    ] });
  // OOM kill of pid 102 (signal 9).
  reqs.push({ end: T0 + 420_010, dur: 4_010, uri: '/api/upload', method: 'POST', status: 502, verdict: 'worker_crash', silent: true, workerEvent: 3, workerPid: 102 });
  // An event-loop stall on pid 103: the blocker ran 2 s, three requests waited behind it.
  const blockEnd = T0 + 500_000;
  const blockerIndex = reqs.length;
  reqs.push({ end: blockEnd + 5, dur: 2_010, uri: '/api/block', status: 200, verdict: 'ok', appPid: 103, appElapsed: 2_000, appCompleted: true });
  for (let i = 0; i < 3; i++) {
    reqs.push({ end: blockEnd + 20 + i * 10, dur: 1_500 - i * 300, uri: `/api/items/${200 + i}`, status: 200, verdict: 'ok', stalledBy: blockerIndex + 1,
      appPid: 103, appElapsed: 1_480 - i * 300, appCompleted: true });
  }
  // Keep-alive races: 502 at once, on a reused connection.
  for (let i = 0; i < 2; i++) {
    reqs.push({ end: T0 + 540_000 + i * 7_000, dur: 3, uri: '/api/items/55', status: 502, verdict: 'upstream_error', silent: true, race: true,
      attempts: [{ status: 502, addr: '127.0.0.1:8000', response_ms: 2, outcome: 'failed', worker_pid: null, worker_event_id: null }] });
  }
  // The app's own error, and the hostile lines.
  reqs.push({ end: T0 + 560_000, dur: 120, uri: '/boom', status: 500, verdict: 'app_error', appPid: 103, appElapsed: 110, appCompleted: false });
  reqs.push({ end: T0 + 570_000, dur: 0, uri: HOSTILE_URI, status: 400, verdict: 'rejected_by_proxy', silent: true, ua: HOSTILE_UA });
  reqs.push({ end: T0 + 571_000, dur: 0, uri: HOSTILE_URI + '?x=1', status: 400, verdict: 'rejected_by_proxy', silent: true, ua: HOSTILE_UA });
  reqs.push({ end: T0 + 572_000, dur: 10_004, uri: HOSTILE_QUERY_URI, status: 499, verdict: 'client_abort', silent: true, ua: HOSTILE_UA });

  db.transaction(() => {
    file.run(1, 'logs/access.log', 'nginx-access', TIMING_FORMAT, reqs.length);
    file.run(2, 'logs/error.log', 'nginx-error', null, 8);
    file.run(3, 'logs/gunicorn.log', 'gunicorn', null, 4);
    file.run(4, 'logs/app.ndjson', 'app', 'ndjson', 3);
    reqs.sort((a, b) => a.end - b.end);
    const stallBlockerEnd = blockEnd + 5;
    const blockerId = reqs.findIndex((r) => r.end === stallBlockerEnd) + 1;
    reqs.forEach((r, i) => {
      const id = i + 1;
      const [pathPart, query] = r.uri.split('?', 2) as [string, string | undefined];
      const attempts = r.attempts ? JSON.stringify(r.attempts) : null;
      access.run({ id, end: r.end, method: r.method ?? 'GET', uri: r.uri, path: pathPart, query: query ?? null, status: r.status, dur: r.dur,
        ua: r.ua ?? 'python-httpx/0.27', rid: `rid-${id}`, attempts: attempts ?? JSON.stringify([{ addr: '127.0.0.1:8000', status: r.status }]), attempt_count: r.attempts?.length ?? 1 });
      verdict.run({
        id, start: r.end - r.dur, end: r.end, verdict: r.verdict, silent: r.silent ? 1 : 0, wasted_work: r.wasted ? 1 : 0, retried: r.retried ? 1 : 0,
        stalled: r.stalledBy !== undefined ? 1 : 0, race: r.race ? 1 : 0, app_pid: r.appPid ?? null, app_elapsed: r.appElapsed ?? null,
        app_completed: r.appCompleted === undefined || r.appCompleted === null ? null : r.appCompleted ? 1 : 0,
        app_end: r.appElapsed != null ? r.end - r.dur + r.appElapsed + (r.wasted ?? 0) : null,
        worker_event: r.workerEvent ?? null, worker_pid: r.workerPid ?? null, attempts, stalled_by: r.stalledBy !== undefined ? blockerId : null,
        wasted_ms: r.wasted ?? null, explanation: r.explanation ?? `fixture: ${r.verdict}`,
        // deaths are matched by time (inferred); what nginx or the app logged is exact
        level: r.verdict === 'worker_timeout' || r.verdict === 'worker_crash' ? 'inferred' : 'exact',
        // the flags as correlation supports them: silent without an app record and races by rule, the rest from the logs' own lines
        evidence: JSON.stringify({ verdict: { level: 'exact', rule: 'fixture' }, flags: {
          ...(r.silent ? { silent: { level: r.appPid != null ? 'exact' : 'inferred', rule: 'fixture' } } : {}),
          ...(r.wasted ? { wasted_work: { level: 'inferred', rule: 'fixture' } } : {}),
          ...(r.retried ? { retried: { level: 'exact', rule: 'fixture' } } : {}),
          ...(r.race ? { keepalive_race: { level: 'inferred', rule: 'fixture' } } : {}),
        } }),
      });
    });
    server.run(1, 10, 'worker_timeout', death, 'CRITICAL', 101, null, '[100] [CRITICAL] WORKER TIMEOUT (pid:101)');
    server.run(2, 11, 'booting_worker', death + 900, 'INFO', 105, null, '[105] [INFO] Booting worker with pid: 105');
    server.run(3, 20, 'worker_signaled', T0 + 420_000, 'ERROR', 102, 9, '[100] [ERROR] Worker (pid:102) was sent SIGKILL! Perhaps out of memory?');
    server.run(4, 21, 'booting_worker', T0 + 420_500, 'INFO', 106, null, '[106] [INFO] Booting worker with pid: 106');
    for (let i = 0; i < 3; i++) {
      error.run(1 + i, 1 + i, T0 + 200_000 + i * 61_000, 'upstream_read_timeout', 'upstream timed out (110: Connection timed out) while reading response header from upstream', 'GET /api/export HTTP/1.1');
    }
    error.run(4, 4, death + 40, 'upstream_prematurely_closed', 'upstream prematurely closed connection while reading response header from upstream', 'GET /api/slow/7 HTTP/1.1');
    error.run(5, 5, T0 + 540_000, 'upstream_prematurely_closed', 'upstream prematurely closed connection while reading response header from upstream', 'GET /api/items/55 HTTP/1.1');
    app.run(1, 1, blockEnd, 103, 'GET', '/api/block', 200, 2_000);
    app.run(2, 2, T0 + 560_000, 103, 'GET', '/boom', 500, 110);
    app.run(3, 3, T0 + 70_000, 104, 'GET', '/api/report/7', 200, 13_000);
  })();
  return { path, db };
}
