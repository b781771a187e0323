/**
 * What the logs cannot tell (and, re-exported, the recommendations: recommendations.ts). Pure: built
 * from the input capabilities; every gap gives the exact configuration lines that would close it.
 */
import type { Gap } from './types.js';
import type { AccessCapabilityRow, AppCapabilityRow, ErrorCapabilityRow, ReportFileRow, ServerCapabilityRow } from '../store/sql/report-inputs.js';

export { buildRecommendations, conflicts, type AdviceInput } from './recommendations.js';

export interface Capabilities {
  readonly files: readonly ReportFileRow[];
  readonly access: AccessCapabilityRow;
  readonly errors: ErrorCapabilityRow;
  readonly app: AppCapabilityRow;
  readonly server: ServerCapabilityRow;
}

const LOG_FORMAT = [
  "log_format droptrace '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent '",
  "                     '\"$http_referer\" \"$http_user_agent\" rt=$request_time uct=\"$upstream_connect_time\" '",
  "                     'uht=\"$upstream_header_time\" urt=\"$upstream_response_time\" ua=\"$upstream_addr\" '",
  "                     'us=\"$upstream_status\" rid=$request_id cn=$connection cr=$connection_requests msec=$msec';",
  'access_log /var/log/nginx/access.log droptrace;',
];

export function buildGaps(c: Capabilities): Gap[] {
  const out: Gap[] = [];
  // A file of several layers (a compose stream, type 'mixed') counts by what its lines gave each table.
  const has = (type: string) => c.files.some((f) => f.type === type) || (type === 'nginx-access' && c.access.n > 0) || (type === 'nginx-error' && c.errors.n > 0);
  if (!has('nginx-access') || c.access.n === 0) {
    out.push({ id: 'no-access-log', what: 'No nginx access log', why: 'Every verdict starts from an access-log line: without one there are no requests to judge.', fix: LOG_FORMAT });
    return out;
  }
  if (c.access.with_time < c.access.n) {
    out.push({
      id: 'no-request-time', what: 'Request durations ($request_time)',
      why: `${c.access.n - c.access.with_time} of ${c.access.n} access lines carry no $request_time: no timeout fingerprints, no start times, no stall windows for them.`,
      fix: LOG_FORMAT,
    });
  }
  if (c.access.with_upstream < c.access.n) {
    out.push({
      id: 'no-upstream', what: 'Upstream attempts ($upstream_status, $upstream_addr, $upstream_response_time)',
      why: `${c.access.n - c.access.with_upstream} of ${c.access.n} access lines do not say which upstream answered: retries onto other workers, per-attempt worker deaths and keep-alive races cannot be seen, and a 502/503 from nginx cannot be told from one the app sent.`,
      fix: LOG_FORMAT,
    });
  }
  if (c.access.with_request_id < c.access.n) {
    out.push({
      id: 'no-request-id', what: 'A request id shared by nginx and the app ($request_id)',
      why: 'Without it app records are matched to nginx requests by time window and path alone; under load or with clock skew some matches are guesses.',
      fix: [...LOG_FORMAT, 'proxy_set_header X-Request-ID $request_id;', 'and log request.headers["x-request-id"] in the app\'s per-request line (NDJSON "request_id")'],
    });
  }
  if (!has('nginx-error')) {
    out.push({
      id: 'no-error-log', what: 'nginx error log',
      why: 'Without it upstream timeouts, refused connections and premature closes have no cause: 502/504s fall back to status-only verdicts.',
      fix: ['error_log /var/log/nginx/error.log info;'],
    });
  } else if (c.errors.info === 0) {
    out.push({
      id: 'error-log-level', what: 'Client-abort context (error_log below info)',
      why: 'No info-level lines in the nginx error log: nginx writes "client prematurely closed connection" and "upstream prematurely closed" context at info, so 499s and keep-alive races lose their evidence.',
      fix: ['error_log /var/log/nginx/error.log info;'],
    });
  }
  if (c.server.gunicorn === 0 && c.server.n > 0) {
    out.push({
      id: 'no-worker-deaths', what: 'Worker deaths (uvicorn run alone logs none)',
      why: 'uvicorn without gunicorn writes no line when a worker dies or is killed: droptrace infers a death from a premature close the app never finished followed by a new server process (marked inferred), and cannot see one that no restart followed.',
      fix: ['gunicorn app:app -k uvicorn.workers.UvicornWorker --error-logfile /var/log/gunicorn/error.log --log-level info  # gunicorn logs every worker death and timeout'],
    });
  } else if (c.server.gunicorn === 0) {
    out.push({
      id: 'no-gunicorn-log', what: 'gunicorn stderr (WORKER TIMEOUT, worker kills)',
      why: 'Without gunicorn\'s own log a worker killed by --timeout or the OOM killer looks like a generic upstream error (502), and worker incidents cannot be listed.',
      fix: ['gunicorn app:app --error-logfile /var/log/gunicorn/error.log --log-level info --capture-output'],
    });
  }
  if (c.app.n === 0) {
    out.push({
      id: 'no-app-log', what: 'The app\'s own request log',
      why: 'Without it droptrace cannot tell whether a handler finished after the client left (wasted work), whether the app logged a failure (silent), or spot event-loop stalls.',
      fix: [
        'logging.basicConfig(format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")',
        'log.warning("Slow request: %.2fs %s %s", elapsed, request.method, request.url.path)',
        'log.error("Request failed after %.2fs: %s %s", elapsed, request.method, request.url.path)',
        'json.dumps({"ts": ..., "request_id": request.headers.get("x-request-id"), "method": ..., "path": ..., "status": ..., "elapsed_ms": ..., "pid": os.getpid()})  # one NDJSON line per request',
      ],
    });
  } else {
    if (c.app.with_pid === 0) {
      out.push({
        id: 'no-app-pid', what: 'Which worker ran each handler (pid in app lines)',
        why: 'The app\'s lines carry no process id: event-loop stalls (one worker, unrelated requests slowing together) cannot be found.',
        fix: ['logging.basicConfig(format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")'],
      });
    }
    if (c.app.every_request === 0) {
      out.push({
        id: 'app-only-slow', what: 'A line for every request (the app logs only slow and failed ones)',
        why: 'Fast requests leave no app record, so wasted work and stalls are seen only for requests past the slow threshold.',
        fix: ['json.dumps({"ts": ..., "request_id": request.headers.get("x-request-id"), "method": ..., "path": ..., "status": ..., "elapsed_ms": ..., "pid": os.getpid()})  # one NDJSON line per request'],
      });
    }
  }
  return dedupeFixes(out);
}

/**
 * One log_format adds $request_time, $upstream_* and $request_id together: it is printed once, under
 * the first gap that needs it, and the later gaps point to it instead of repeating the block.
 */
function dedupeFixes(gaps: readonly Gap[]): Gap[] {
  let firstWith: Gap | null = null;
  return gaps.map((g) => {
    const starts = g.fix.length >= LOG_FORMAT.length && LOG_FORMAT.every((l, i) => g.fix[i] === l);
    if (!starts) return g;
    if (firstWith === null) { firstWith = g; return g; }
    return { ...g, fix: [`the same log_format droptrace … as under "${firstWith.what}" above`, ...g.fix.slice(LOG_FORMAT.length)] };
  });
}
