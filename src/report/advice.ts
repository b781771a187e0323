/**
 * Recommendations tied to the evidence, and what the logs cannot tell. Pure: built from the other
 * sections and the input capabilities; every recommendation cites the requests behind it, every gap
 * gives the exact configuration lines that would close it.
 */
import type { Fingerprint, Gap, Recommendation, RequestRef, Stall, WastedWork, WorkerIncident } from './types.js';
import { collapsePath } from './endpoints.js';
import type { AccessCapabilityRow, AppCapabilityRow, ErrorCapabilityRow, ReportFileRow, ServerCapabilityRow } from '../store/sql/report-inputs.js';

export interface AdviceInput {
  readonly fingerprints: readonly Fingerprint[];
  readonly incidents: readonly WorkerIncident[];
  readonly stalls: readonly Stall[];
  /** keep-alive races: how many, and the first ones */
  readonly races: { readonly count: number; readonly requests: readonly RequestRef[] };
  readonly wasted: WastedWork;
  /** slowest completed handler time seen per request, for the timeouts it needs room for */
  readonly slowestHandlerS: number | null;
}

/** The nginx location prefix a request falls under: its collapsed path up to the first id. */
function locationOf(r: RequestRef | undefined): string {
  const p = collapsePath(r?.uri);
  const cut = p.indexOf(':id');
  return cut > 0 ? p.slice(0, cut) : p;
}

const cap = <T>(xs: readonly T[], n = 5): T[] => xs.slice(0, n);
const clusterOf = (fps: readonly Fingerprint[], verdict: string) => fps.find((f) => f.verdict === verdict)?.clusters ?? [];

export function buildRecommendations(a: AdviceInput): Recommendation[] {
  const out: Recommendation[] = [];
  const clientClocks = clusterOf(a.fingerprints, 'client_abort');
  const proxyClocks = clusterOf(a.fingerprints, 'proxy_timeout');
  const workerClocks = clusterOf(a.fingerprints, 'worker_timeout');

  for (const c of proxyClocks) {
    const room = a.slowestHandlerS !== null && a.slowestHandlerS > c.center_s ? Math.ceil(a.slowestHandlerS * 1.2) : null;
    out.push({
      id: 'proxy-read-timeout',
      title: `nginx's proxy_read_timeout (≈${c.center_s} s) cut ${c.count} request(s) with a 504`,
      detail: room !== null
        ? `Handlers that completed took up to ${a.slowestHandlerS} s: either make these endpoints faster or give their location the room.`
        : 'If these endpoints are legitimately slow, raise the timeout for their location only (keep it below the client\'s own timeout); otherwise find why they hang.',
      lines: [`location ${locationOf(c.examples[0])} { proxy_read_timeout ${room ?? Math.ceil(c.center_s * 2)}s; }  # only where it is needed`],
      evidence: cap(c.examples),
    });
  }

  const timeouts = a.incidents.filter((i) => i.event === 'worker_timeout');
  if (timeouts.length > 0) {
    const blockers = timeouts.map((i) => i.blocker?.request).filter((r): r is RequestRef => r !== undefined);
    // The clock: a pile of worker_timeout durations, else the shortest time a blocker had run when it was killed.
    const ran = timeouts.map((i) => i.blocker?.request.duration_s).filter((d): d is number => d !== null && d !== undefined);
    const clock = workerClocks[0]?.center_s ?? (ran.length ? Math.min(...ran) : undefined);
    // gunicorn counts --timeout from the worker's last heartbeat, which came before the blocking
    // request began: the kill comes up to a heartbeat interval short of --timeout into it.
    out.push({
      id: 'gunicorn-timeout',
      title: `gunicorn's --timeout killed ${timeouts.length} worker(s)${clock !== undefined ? `, ≈${clock.toFixed(1)} s into the blocking request (the setting is that or more: it counts from the worker's last heartbeat)` : ''}`,
      detail: 'Each kill took every request on the worker with it. The blocking requests are cited: make them faster or move the work to a background job; ' +
        'with uvicorn workers a blocking call inside `async def` also stops the heartbeat, so move it off the event loop. Raise --timeout only for work that must stay inline, ' +
        'and keep it below nginx\'s proxy_read_timeout so gunicorn\'s kill is the clock that fires (and logs).',
      lines: ['gunicorn app:app --timeout <what the slowest legitimate request needs, below proxy_read_timeout>  # only if the blocking request is legitimately slow'],
      evidence: cap(blockers.length ? blockers : timeouts.flatMap((i) => i.died)),
    });
  }

  const kills = a.incidents.filter((i) => i.event !== 'worker_timeout');
  if (kills.length > 0) {
    const sigkill = kills.some((i) => i.signal === 9);
    out.push({
      id: 'worker-crash',
      title: `${kills.length} worker(s) died mid-request (${[...new Set(kills.map((k) => k.event))].join(', ')})`,
      detail: sigkill
        ? 'SIGKILL without a WORKER TIMEOUT is most often the kernel\'s OOM killer: check `dmesg | grep -i oom`, cap memory per worker, recycle workers.'
        : 'Find the worker\'s traceback in gunicorn\'s log next to the cited line.',
      lines: sigkill ? ['gunicorn app:app --max-requests 1000 --max-requests-jitter 100  # recycle workers before they grow'] : [],
      evidence: cap(kills.flatMap((i) => i.died)),
    });
  }

  for (const c of clientClocks) {
    const serverClocks = [...proxyClocks, ...workerClocks].map((x) => x.center_s);
    const later = serverClocks.filter((x) => x >= c.center_s);
    const lb = Math.abs(c.center_s - 60) <= 1.5;
    const where = locationOf(c.examples[0]);
    out.push({
      id: 'client-clock-first',
      title: `Clients give up at ≈${c.center_s} s: ${c.count} request(s) ended as 499 at that clock`,
      detail: (later.length ? `Server-side clocks seen in these logs fire later (${later.join(', ')} s), so the client's wins and the server logs nothing useful. ` : '') +
        'Order the clocks so the innermost fires first and logs: gunicorn --timeout < nginx proxy_read_timeout < the client\'s or load balancer\'s timeout' +
        (lb ? '. A pile at 60 s is usually a load balancer\'s idle timeout: nginx\'s keepalive_timeout towards it must be longer than that idle timeout (nginx default 75 s), or the LB reuses a connection nginx is closing.' : `, or give the client (see its user agent) more than ${c.center_s} s for ${where}.`),
      lines: [
        `location ${where} { proxy_read_timeout ${Math.max(1, Math.floor(c.center_s * 0.9))}s; }  # below the client's ${c.center_s} s`,
        `gunicorn app:app --timeout ${Math.max(1, Math.floor(c.center_s * 0.8))}  # below nginx's`,
        ...(lb ? ['keepalive_timeout 75s;  # longer than the load balancer\'s 60 s idle timeout'] : []),
      ],
      evidence: cap(c.examples),
    });
  }

  if (a.stalls.length > 0) {
    const victims = a.stalls.reduce((s, x) => s + x.victim_count, 0);
    const blockers = a.stalls.map((s) => s.blocker).filter((r): r is RequestRef => r !== null);
    const names = [...new Set(a.stalls.map((s) => (s.blocker ? `${s.blocker.method ?? ''} ${s.blocker.uri ?? ''}` : `${s.blocker_app?.method ?? ''} ${s.blocker_app?.path ?? ''}`).trim()))];
    out.push({
      id: 'event-loop-blocking',
      title: `${a.stalls.length} event-loop stall(s) delayed ${victims} unrelated request(s)`,
      detail: `A blocking call inside an \`async def\` handler freezes every request on its worker. Blocking handlers: ${names.slice(0, 5).join('; ')}. ` +
        'Run the blocking call in a thread, or declare the handler with plain `def` so the framework does.',
      lines: ['result = await asyncio.to_thread(blocking_call, *args)  # or: await run_in_threadpool(...)'],
      evidence: cap([...blockers, ...a.stalls.flatMap((s) => s.victims)]),
    });
  }

  if (a.races.count > 0) {
    out.push({
      id: 'upstream-keepalive',
      title: `${a.races.count} request(s) hit a keep-alive race between nginx and the app server`,
      detail: 'uvicorn closes idle keep-alive connections after 5 s (--timeout-keep-alive); nginx kept them longer and sent a request as the app closed it. ' +
        'Keep nginx\'s upstream keepalive_timeout below the app server\'s.',
      lines: [
        'upstream app { server 127.0.0.1:8000; keepalive 16; keepalive_timeout 4s; }  # below uvicorn\'s 5 s',
        'proxy_http_version 1.1; proxy_set_header Connection "";',
        'or: gunicorn -k uvicorn.workers.UvicornWorker --keep-alive 75  # raise the app side instead',
      ],
      evidence: cap(a.races.requests),
    });
  }

  if (a.wasted.requests > 0) {
    const top = a.wasted.by_endpoint[0];
    out.push({
      id: 'wasted-work',
      title: `${a.wasted.requests} handler(s) kept running ${a.wasted.total_s.toFixed(1)} s in total after nobody was waiting`,
      detail: `Work for a client that had left${top ? ` — most on ${top.endpoint} (${top.wasted_s.toFixed(1)} s)` : ''}. Give handlers a deadline shorter than the client's timeout, ` +
        'and stop long loops when the client is gone.',
      lines: ['async with asyncio.timeout(DEADLINE_S): ...  # Python 3.11+', 'if await request.is_disconnected(): return  # inside long-running loops'],
      evidence: cap(a.wasted.top),
    });
  }
  return out;
}

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
  const has = (type: string) => c.files.some((f) => f.type === type);
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
  if (c.server.gunicorn === 0) {
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
