/**
 * Recommendations read from one model of the chain (chain-model.ts) and tied to the evidence. Each
 * names the setting it touches — where it is set, its value now, the value to set and why — and
 * cites the requests behind it. Rules that keep them sound:
 * - a global setting (gunicorn's flags, nginx's upstream block, a load balancer) is never derived
 *   from one endpoint's behaviour; per-endpoint advice is scoped to that endpoint's location;
 * - the runtime's real semantics decide the advice (UvicornWorker: `--timeout` is a heartbeat and
 *   the idle keep-alive is gunicorn's `--keep-alive`; uvicorn alone: `--timeout-keep-alive`);
 * - no two recommendations set one setting to different values (`conflicts` finds any; a test holds it).
 */
import type { Fingerprint, Recommendation, RequestRef, RestartWindow, SettingChange, Stall, WastedWork, WorkerIncident } from './types.js';
import { collapsePath } from './endpoints.js';
import { lbClearedOf } from './fingerprints.js';
import { said, type ChainModel, type ChainValue } from './chain-model.js';
import { stripControls } from '../output/rows.js';

export interface AdviceInput {
  readonly fingerprints: readonly Fingerprint[];
  readonly incidents: readonly WorkerIncident[];
  readonly stalls: readonly Stall[];
  /** keep-alive races flagged from attempt timing: how many, and the first ones */
  readonly races: { readonly count: number; readonly requests: readonly RequestRef[] };
  readonly wasted: WastedWork;
  /** slowest completed handler time seen (all endpoints), for the timeouts it needs room for */
  readonly slowestHandlerS: number | null;
  /** the chain the advice is read from; absent: what the logs show, at each layer's defaults */
  readonly chain?: ChainModel;
  readonly restarts?: readonly RestartWindow[];
  /** the slowest completed handler of one endpoint ("GET /api/export"), in seconds */
  readonly slowestOfEndpoint?: (endpoint: string) => number | null;
}

/** The nginx location prefix a request falls under: its collapsed path up to the first id. */
function locationOf(r: RequestRef | undefined): string {
  const p = collapsePath(r?.uri);
  const cut = p.indexOf(':id');
  return cut > 0 ? p.slice(0, cut) : p;
}

/** The first n, each request once. */
const cap = <T extends { readonly id: number }>(xs: readonly T[], n = 5): T[] => xs.filter((x, i) => xs.findIndex((y) => y.id === x.id) === i).slice(0, n);
const clusterOf = (fps: readonly Fingerprint[], verdict: string) => fps.find((f) => f.verdict === verdict)?.clusters ?? [];
const now = (v: ChainValue | null): string => (v === null ? 'unknown' : v.value_s !== null ? `${v.value_s} s` : v.value);
const where = (v: ChainValue | null, fallback: string): string => (v === null ? fallback : v.source);

/** The chain when none was given: the logs say nothing, every layer at its default. */
const UNKNOWN_CHAIN: ChainModel = {
  origin: 'logs', origin_note: 'no app-server log: each layer at its defaults', app_server: null, worker_kind: null, worker_class: null,
  timeout: null, graceful_timeout: null, app_keepalive: null, app_keepalive_flag: null,
  proxy_read_timeout: { value: '60s', value_s: 60, source: 'default (nginx proxy_read_timeout)' },
  proxy_next_upstream: { value: 'error timeout', value_s: null, source: 'default (nginx proxy_next_upstream)' },
  upstream_name: null, upstream_keepalive_timeout: { value: '60s', value_s: 60, source: 'default (nginx upstream keepalive_timeout)' }, lb_idle: null,
  keepalive_timeout: { value: '75s', value_s: 75, source: 'default (nginx keepalive_timeout)' },
};

/** Load balancers' default idle / backend timeouts: a 499 pile there is the LB's clock as likely as the client's. */
const LB_DEFAULTS_S = [
  { s: 60, name: 'AWS ALB idle_timeout.timeout_seconds (default 60 s)' },
  { s: 30, name: "GCP external Application Load Balancer backend service timeoutSec (default 30 s)" },
  { s: 100, name: "Cloudflare's proxy read timeout (100 s)" },
];

export function buildRecommendations(a: AdviceInput): Recommendation[] {
  const chain = a.chain ?? UNKNOWN_CHAIN;
  const out: Recommendation[] = [];
  const clientClocks = clusterOf(a.fingerprints, 'client_abort');
  const proxyClocks = clusterOf(a.fingerprints, 'proxy_timeout');
  const prt = chain.proxy_read_timeout;

  for (const c of proxyClocks) {
    const loc = locationOf(c.examples[0]);
    // a location's clock is sized from that endpoint's own handlers, never from another endpoint's
    const ex = c.examples[0];
    const slowestHere = ex && a.slowestOfEndpoint ? a.slowestOfEndpoint(`${ex.method ?? '-'} ${collapsePath(ex.uri)}`) : null;
    const room = slowestHere !== null && slowestHere > c.center_s ? Math.ceil(slowestHere * 1.2) : null;
    // proxy_read_timeout at "/" is every endpoint's: never derived from one endpoint's durations.
    const scoped = loc !== '/' && loc !== '';
    const set = room !== null && scoped ? `${room}s in location ${loc} only` : 'unchanged';
    out.push({
      id: 'proxy-read-timeout',
      title: `nginx's proxy_read_timeout (≈${c.center_s} s) cut ${c.count} request(s) with a 504`,
      detail: room !== null
        ? `Its handlers that completed took up to ${slowestHere} s: make ${loc} faster, or give its location (only) the room.`
        : `Find why ${loc} hangs past ${c.center_s} s (the app never answered in time); if it is legitimately slow, move the work to a background job rather than raising a timeout.`,
      lines: set === 'unchanged' ? [] : [`location ${loc} { proxy_read_timeout ${room}s; }  # only where it is needed`],
      changes: [{
        directive: scoped ? `proxy_read_timeout (location ${loc})` : 'proxy_read_timeout', where: where(prt, 'nginx.conf'), now: now(prt), set,
        why: room !== null ? `its completed handlers took up to ${slowestHere} s, longer than this clock` : 'no completed handler of this endpoint needed longer: the clock is right, the endpoint is slow',
      }],
      evidence: cap(c.examples),
    });
  }

  const timeouts = a.incidents.filter((i) => i.event === 'worker_timeout');
  if (timeouts.length > 0) out.push(workerTimeoutAdvice(a, chain, timeouts));

  const kills = a.incidents.filter((i) => i.event !== 'worker_timeout');
  if (kills.length > 0) {
    const sigkill = kills.some((i) => i.signal === 9);
    out.push({
      id: 'worker-crash',
      title: `${kills.length} worker(s) died mid-request (${[...new Set(kills.map((k) => k.event))].join(', ')})`,
      detail: sigkill
        ? 'SIGKILL without a WORKER TIMEOUT is most often the kernel\'s OOM killer: check `dmesg | grep -i oom`, cap memory per worker, recycle workers.'
        : kills.every((k) => k.event === 'inferred_death')
          ? 'No log line names these deaths (inferred from an early close and the new server process that followed): look at that time in the kernel\'s and the container runtime\'s logs (`dmesg | grep -i oom`, the container\'s exit reason, e.g. OOMKilled) and in the app\'s own output for a traceback.'
          : 'Find the worker\'s traceback in gunicorn\'s log next to the cited line.',
      lines: sigkill ? ['gunicorn app:app --max-requests 1000 --max-requests-jitter 100  # recycle workers before they grow'] : [],
      changes: sigkill
        ? [{ directive: '--max-requests / --max-requests-jitter', where: chain.origin === 'audit' ? 'the gunicorn command line' : 'the gunicorn command line (not audited)', now: 'not seen (default 0: never recycled)', set: '1000 / 100', why: 'a worker that grows until the OOM killer ends it is recycled first' }]
        : kills.every((k) => k.event === 'inferred_death')
          ? [{ directive: 'what ended the worker', where: `the host's or container's logs at ${kills[0]!.time} (new process: ${kills[0]!.source})`, now: 'no log line names it', set: 'find the cause (OOM kill, crash), then cap memory or fix the crash', why: 'the worker died mid-request and took the request with it' }]
          : [{ directive: 'the crashing code path', where: kills[0]!.source, now: kills.map((k) => k.message).slice(0, 1).join(''), set: 'fix the crash (traceback beside the cited line)', why: 'the worker exited mid-request and took the request with it' }],
      evidence: cap(kills.flatMap((i) => i.died)),
    });
  }

  for (const c of clientClocks) out.push(clientClockAdvice(c, chain));

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
      changes: [{ directive: 'the blocking call in the handler', where: names.slice(0, 3).join('; '), now: 'runs on the event loop', set: 'asyncio.to_thread(…) or a plain `def` handler', why: 'the loop serves every request on the worker' }],
      evidence: cap([...blockers, ...a.stalls.flatMap((s) => s.victims)]),
    });
  }

  if (a.races.count > 0) out.push(keepaliveAdvice(a, chain));

  for (const w of a.restarts ?? []) if (w.failed_count > 0) out.push(restartAdvice(w, chain));

  if (a.wasted.requests > 0) {
    const top = a.wasted.by_endpoint[0];
    out.push({
      id: 'wasted-work',
      title: `${a.wasted.requests} handler(s) kept running ${a.wasted.total_s.toFixed(1)} s in total after nobody was waiting`,
      detail: `Work for a client that had left${top ? ` — most on ${top.endpoint} (${top.wasted_s.toFixed(1)} s)` : ''}. Give handlers a deadline shorter than the client's timeout, ` +
        'and stop long loops when the client is gone.',
      lines: ['async with asyncio.timeout(DEADLINE_S): ...  # Python 3.11+', 'if await request.is_disconnected(): return  # inside long-running loops'],
      changes: [{ directive: 'a deadline in the handler', where: top ? `the handler of ${top.endpoint}` : 'the handlers cited', now: 'none', set: 'below the client\'s timeout', why: 'the work finished after the client or nginx had given up' }],
      evidence: cap(a.wasted.top),
    });
  }
  return out;
}

function workerTimeoutAdvice(a: AdviceInput, chain: ChainModel, timeouts: readonly WorkerIncident[]): Recommendation {
  const blockers = timeouts.map((i) => i.blocker?.request).filter((r): r is RequestRef => r !== undefined);
  const evidence = cap(blockers.length ? blockers : timeouts.flatMap((i) => [...i.died, ...i.blocker_candidates]));
  const t = chain.timeout;
  const heartbeat = chain.worker_kind === 'asgi' || chain.worker_kind === 'greenlet';
  const named = blockers.length > 0 ? 'The blocking requests are cited.' : 'Which request blocked each worker cannot be told from these logs (no $request_time): the requests on it are cited.';
  if (heartbeat) {
    return {
      id: 'gunicorn-timeout',
      title: `gunicorn's --timeout killed ${timeouts.length} worker(s) whose event loop was blocked (${chain.worker_class?.value ?? 'async workers'})`,
      detail: `With ${chain.worker_class?.value ?? 'async workers'} --timeout is a heartbeat, not a request bound: the worker must let its event loop run at least every ` +
        `${t?.value_s != null ? `${t.value_s / 2} s (timeout/2)` : 'timeout/2'}; a slow \`await\` is never cut, a blocking call inside \`async def\` is killed ` +
        `timeout/2 to timeout into the block. Raising --timeout only delays the kill and keeps every request on that worker waiting. ${named} ` +
        'Move the blocking call off the event loop.',
      lines: ['result = await asyncio.to_thread(blocking_call, *args)  # or a plain `def` handler, which runs in the thread pool'],
      changes: [{
        directive: '--timeout', where: where(t, 'the gunicorn command line'), now: now(t), set: 'unchanged',
        why: 'a heartbeat: raising it only lets a blocked event loop hold its requests longer',
      }],
      evidence,
    };
  }
  // Sync and threaded workers: --timeout bounds the request. Room for the slowest handler seen (any endpoint), below nginx's clock.
  const slowest = a.slowestHandlerS;
  const prt = chain.proxy_read_timeout?.value_s ?? null;
  const need = slowest !== null && t?.value_s != null && slowest > t.value_s ? Math.ceil(slowest * 1.2) : null;
  const fits = need !== null && (prt === null || need < prt);
  return {
    id: 'gunicorn-timeout',
    title: `gunicorn's --timeout killed ${timeouts.length} worker(s) (${chain.worker_class?.value ?? 'sync workers'}: it bounds each request)`,
    detail: `Each kill took the request on the worker with it. ${named} Make them faster or move the work to a background job. ` +
      (need === null ? 'No completed request needed longer than the timeout: leave it.' : fits
        ? `Completed requests took up to ${slowest} s: raise it for them, staying below nginx's proxy_read_timeout so gunicorn's kill is the clock that fires (and logs).`
        : `Completed requests took up to ${slowest} s, longer than nginx's proxy_read_timeout allows: move that work out of the request.`),
    lines: fits ? [`gunicorn app:app --timeout ${need}  # the slowest completed request (${slowest} s, any endpoint) + 20%, below proxy_read_timeout`] : [],
    changes: [{
      directive: '--timeout', where: where(t, 'the gunicorn command line'), now: now(t), set: fits ? String(need) : 'unchanged',
      why: fits ? `the slowest completed request (${slowest} s) needs the room` : 'no legitimate request was cut by it',
    }],
    evidence,
  };
}

function clientClockAdvice(c: Fingerprint['clusters'][number], chain: ChainModel): Recommendation {
  const loc = locationOf(c.examples[0]);
  // user agents are the client's to write: control sequences go before they enter advice text
  const agents = c.user_agents.map((u) => stripControls(u.agent)).slice(0, 2).join(', ');
  const lbIdle = chain.lb_idle;
  // The LB's own lines say the client closed on most of the pile: its clock did not fire, whatever its value.
  const lbCleared = lbClearedOf(c);
  const atLbIdle = !lbCleared && lbIdle?.value_s != null && Math.abs(c.center_s - lbIdle.value_s) <= 1.5;
  const lbDefault = lbCleared ? undefined : LB_DEFAULTS_S.find((d) => c.center_s >= d.s - 0.2 && c.center_s <= d.s + 1.5);
  const prt = chain.proxy_read_timeout;
  if (atLbIdle || lbDefault) {
    const name = atLbIdle ? "the load balancer's idle timeout" : `a load balancer's idle/backend timeout — ${lbDefault!.name} — or the client's own`;
    return {
      id: 'client-clock-first',
      title: `${c.count} request(s) ended as 499 at ≈${c.center_s} s: ${atLbIdle ? "the load balancer's idle timeout" : 'a load balancer\'s timeout (or the client\'s)'}`,
      detail: `The ${atLbIdle ? 'load balancer' : 'clock in front of nginx'} hung up first (${name}); nginx logged 499 and the upstream kept working for nobody. ` +
        `Do not lower nginx's proxy_read_timeout under it: that turns the 499 into a 504 and changes nothing for the client. ` +
        `Raise the LB's timeout above the slowest legitimate response of ${loc} (nginx waits up to ${now(prt)}), or make ${loc} answer sooner (a background job the client polls).`,
      lines: [],
      changes: [{
        directive: "the load balancer's idle timeout", where: atLbIdle ? lbIdle!.source : "the load balancer's settings (not in these logs)",
        now: atLbIdle ? now(lbIdle) : `≈${c.center_s} s (the pile)`, set: `above the slowest legitimate response of ${loc}`,
        why: 'its clock fires before nginx\'s and the app\'s, so the failure leaves no server-side trace',
      }],
      evidence: cap(c.examples),
    };
  }
  return {
    id: 'client-clock-first',
    title: `Clients give up at ≈${c.center_s} s: ${c.count} request(s) ended as 499 at that clock`,
    detail: `The client's own timeout (${agents || 'see the user agents'}) fires before any server clock on ${loc}; the server logs nothing useful and may finish the work for nobody. ` +
      (lbCleared ? `${c.lb_client_closed!.said} on ${c.lb_client_closed!.count} of them: the load balancer's timeout did not fire. ` : '') +
      `This is one client on one endpoint: give that client more than ${c.center_s} s for ${loc}, or make ${loc} answer sooner. Server-wide timeouts are not derived from it.`,
    lines: [],
    changes: [{ directive: "the client's timeout", where: `the client (${agents || 'user agent in the log'})`, now: `≈${c.center_s} s (the pile)`, set: `more than the slowest legitimate response of ${loc}`, why: 'its clock fires first, so nothing server-side logs the failure' }],
    evidence: cap(c.examples),
  };
}

function keepaliveAdvice(a: AdviceInput, chain: ChainModel): Recommendation {
  const app = chain.app_keepalive;
  const flag = chain.app_keepalive_flag ?? '--keep-alive';
  const kt = chain.upstream_keepalive_timeout;
  const target = kt?.value_s != null ? Math.ceil(kt.value_s + 5) : null;
  const runtime = chain.app_server === 'gunicorn' && chain.worker_kind === 'asgi'
    ? `Under gunicorn, UvicornWorker closes idle connections after gunicorn's --keep-alive (${said(app)}), not uvicorn's 5 s.`
    : chain.app_server === 'uvicorn' ? `uvicorn closes idle connections after --timeout-keep-alive (${said(app)}).`
    : app === null ? 'How long the app server keeps an idle connection is not in these logs (`droptrace audit --db --cmd …` cites it).'
    : `The app server closes idle connections after ${said(app)}.`;
  return {
    id: 'upstream-keepalive',
    title: `${a.races.count} request(s) hit a keep-alive race between nginx and the app server`,
    detail: `${runtime} nginx reuses an idle upstream connection for up to ${said(kt)} and sent a request as the app closed it. ` +
      `The app side must keep an idle connection open longer than nginx reuses one${app?.value_s != null && app.value_s >= 2 ? ` (or set the upstream's keepalive_timeout below ${app.value_s} s instead)` : ''}.`,
    lines: target !== null ? [`${chain.app_server ?? 'gunicorn'} … ${flag} ${target}  # longer than nginx's upstream keepalive_timeout (${now(kt)})`] : [],
    changes: [{
      directive: flag, where: where(app, 'the app server command line'), now: now(app), set: target !== null ? String(target) : `longer than nginx's upstream keepalive_timeout`,
      why: `nginx reuses idle connections for ${now(kt)} (${where(kt, 'nginx.conf')}); the app must not close one first`,
    }],
    evidence: cap(a.races.requests),
  };
}

function restartAdvice(w: RestartWindow, chain: ChainModel): Recommendation {
  const refused = w.by_verdict['upstream_unavailable'] ?? 0;
  const gt = chain.graceful_timeout;
  const server = chain.app_server ?? 'the app server';
  const verdicts = Object.entries(w.by_verdict).map(([v, n]) => `${v} ${n}`).join(', ');
  return {
    id: 'restart-window',
    title: `A ${server} restart (${w.stop.message} → ${w.start.message}) failed ${w.failed_count} request(s)${refused ? `, ${refused} refused while nothing listened` : ''}`,
    detail: `Between "${w.stop.message}" (${w.stop.source}) and "${w.start.message}" (${w.start.source}) nginx had no live upstream (${verdicts}). ` +
      `Reload instead of stop/start: gunicorn re-execs gracefully on SIGHUP (new workers start before the old ones stop, the socket stays open), or run a second instance and let nginx retry onto it (proxy_next_upstream error) while health checks drain the one restarting. ` +
      `In-flight requests get --graceful-timeout to finish after SIGTERM.`,
    lines: [
      'kill -HUP <gunicorn master pid>   # or: systemctl reload <unit>  — a graceful reload, no stop/start',
      'upstream app { server 127.0.0.1:8000; server 127.0.0.1:8001; }  proxy_next_upstream error;  # a second instance during deploys',
    ],
    changes: [
      { directive: '--graceful-timeout', where: where(gt, 'the gunicorn command line'), now: now(gt), set: 'longer than the slowest request in flight at a deploy', why: 'on SIGTERM workers finish in-flight requests within it, then are killed' },
      { directive: 'proxy_next_upstream', where: where(chain.proxy_next_upstream, 'nginx.conf'), now: now(chain.proxy_next_upstream), set: 'error (with a second upstream server)', why: 'a refused connect is retried on a live instance instead of answered 502' },
    ],
    evidence: cap(w.requests),
  };
}

/** Pairs of recommendations that set one setting, at one place, to different values (there must be none). */
export function conflicts(recs: readonly Recommendation[]): { directive: string; where: string; values: string[] }[] {
  const seen = new Map<string, Set<string>>();
  for (const r of recs) for (const c of r.changes as readonly SettingChange[]) {
    const k = `${c.directive}\u0000${c.where}`;
    (seen.get(k) ?? seen.set(k, new Set()).get(k)!).add(c.set);
  }
  return [...seen.entries()].filter(([, v]) => v.size > 1).map(([k, v]) => ({ directive: k.split('\u0000')[0]!, where: k.split('\u0000')[1]!, values: [...v] }));
}
