/**
 * The scripted events of a run: each one provokes one way of losing a request on the real stack and
 * says, from the truth afterwards, whether it really happened (a real stack does not always oblige).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, ClientResult } from './client.js';
import type { StackTimeouts } from './nginx-conf.js';
import type { Label, RequestTruth } from './truth.js';

export interface ScenarioContext {
  readonly client: Client;
  readonly timeouts: StackTimeouts;
  log(message: string): void;
  expect(tag: string, label: Label): void;
  pauseBackground(): void;
  resumeBackground(): void;
  /** SIGTERM to gunicorn's master; resolves when it has exited */
  stopGunicorn(): Promise<void>;
  /** Starts gunicorn again and resolves when its workers have booted */
  startGunicorn(): Promise<void>;
  /** Worker pids running a handler for any of these tags right now, busiest first */
  inFlightPids(tags: readonly string[]): number[];
  /** SIGKILL to one worker from outside, as the kernel's OOM killer does */
  killWorker(pid: number): void;
  /** How many handler runs the app started for this tag */
  appStarts(tag: string): number;
  /** Resolves when `count` workers have booted since `sinceMs` (respawns after a kill) */
  waitForBoots(count: number, sinceMs: number, timeoutMs: number): Promise<boolean>;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Runs the event; returns the tags it sent */
  run(ctx: ScenarioContext): Promise<string[]>;
  /** null when the event really happened, else why not */
  check(mine: readonly RequestTruth[], all: readonly RequestTruth[]): string | null;
}

export interface ScriptedEventRecord {
  readonly name: string;
  readonly description: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tags: readonly string[];
  readonly happened: boolean;
  readonly why: string | null;
}

const has = (mine: readonly RequestTruth[], label: Label, extra: (t: RequestTruth) => boolean = () => true) =>
  mine.some((t) => t.label === label && extra(t));

async function sendExpecting(ctx: ScenarioContext, label: Label, result: Promise<ClientResult>): Promise<ClientResult> {
  const r = await result;
  ctx.expect(r.tag, label);
  return r;
}

const appError: Scenario = {
  name: 'app_error',
  description: 'GET /boom raises in the handler: the app logs "Request failed", uvicorn a traceback, nginx a 500',
  async run(ctx) {
    const r = await sendExpecting(ctx, 'app_error', ctx.client.send({ method: 'GET', path: '/boom', scenario: 'app_error' }));
    return [r.tag];
  },
  check: (mine) => (has(mine, 'app_error') ? null : 'no request ended as app_error'),
};

const rejectedByProxy: Scenario = {
  name: 'rejected_by_proxy',
  description: 'nginx answers itself: a 2 KiB POST over client_max_body_size (413) and a request with two Host headers (400)',
  async run(ctx) {
    const big = ctx.client.send({
      method: 'POST', path: '/api/items', scenario: 'rejected_by_proxy', body: JSON.stringify({ blob: 'x'.repeat(2048) }),
    });
    const dup = ctx.client.sendRaw(
      'rejected_by_proxy', 'GET',
      (uri) => `GET ${uri} HTTP/1.1\r\nHost: localhost\r\nHost: example.invalid\r\nUser-Agent: droptrace-harness/rejected\r\n\r\n`,
      '/api/items/7',
    );
    const results = await Promise.all([big, dup]);
    for (const r of results) ctx.expect(r.tag, 'rejected_by_proxy');
    return results.map((r) => r.tag);
  },
  check: (mine) =>
    mine.filter((t) => t.label === 'rejected_by_proxy').length >= 2 ? null : 'expected a 413 and a 400 answered by nginx',
};

const clientAbort: Scenario = {
  name: 'client_abort',
  description: 'GET /slow?seconds=3 and the client gives up after 1 s: nginx logs 499, the handler finishes 2 s later',
  async run(ctx) {
    const r = await sendExpecting(
      ctx, 'client_abort',
      ctx.client.send({ method: 'GET', path: '/slow', query: { seconds: 3 }, abortAfterMs: 1000, scenario: 'client_abort' }),
    );
    return [r.tag];
  },
  check: (mine) => (has(mine, 'client_abort', (t) => t.wastedWork) ? null : 'no client_abort with the handler finishing later'),
};

const proxyTimeout: Scenario = {
  name: 'proxy_timeout',
  description:
    'GET /slow longer than proxy_read_timeout: nginx times out, retries the GET on the next server, times out again, answers 504; both handlers finish later',
  async run(ctx) {
    const seconds = ctx.timeouts.proxyReadSeconds + 2;
    const r = await sendExpecting(
      ctx, 'proxy_timeout', ctx.client.send({ method: 'GET', path: '/slow', query: { seconds }, scenario: 'proxy_timeout' }),
    );
    return [r.tag];
  },
  check: (mine) => (has(mine, 'proxy_timeout', (t) => t.wastedWork) ? null : 'no 504 with wasted work'),
};

/** Rounds of the stall event at most: which worker takes which connection is the kernel's choice */
const STALL_ROUNDS = 4;

const stall: Scenario = {
  name: 'event_loop_stall',
  description:
    'GET /block?seconds=0.8 blocks one worker\'s event loop for less than the worker timeout; requests in flight or queued on that worker are slowed (repeated until the blocked worker was seen running another request)',
  async run(ctx) {
    const sent: Promise<ClientResult>[] = [];
    for (let round = 1; round <= STALL_ROUNDS; round += 1) {
      const inFlight = [0, 1, 2, 3, 4, 5].map(() =>
        ctx.client.send({ method: 'GET', path: '/slow', query: { seconds: 0.5 }, scenario: 'event_loop_stall' }),
      );
      await sleep(100);
      const slowTags = ctx.client.inFlightTags('event_loop_stall');
      const block = ctx.client.send({ method: 'GET', path: '/block', query: { seconds: 0.8 }, scenario: 'event_loop_stall' });
      await sleep(150);
      const blockTags = ctx.client.inFlightTags('event_loop_stall').filter((t) => !slowTags.includes(t));
      // The /slow handlers sleep past the block's start: one on the blocked worker is stalled for sure.
      const [blockedPid] = ctx.inFlightPids(blockTags);
      const shared = blockedPid !== undefined && ctx.inFlightPids(slowTags).includes(blockedPid);
      const queued = [0, 1, 2, 3].map((i) =>
        ctx.client.send({ method: 'GET', path: `/api/items/${10 + i}`, scenario: 'event_loop_stall' }),
      );
      sent.push(...inFlight, block, ...queued);
      const b = await block;
      ctx.expect(b.tag, 'ok');
      await Promise.all([...inFlight, ...queued]);
      if (shared) break;
      ctx.log(`event_loop_stall: round ${round}: no /slow request was on the blocked worker`);
    }
    return (await Promise.all(sent)).map((r) => r.tag);
  },
  check: (mine, all) => {
    const blockers = mine.filter((t) => t.path === '/block');
    if (!blockers.some((t) => t.label === 'ok')) return 'no short /block completed';
    const tags = new Set(blockers.map((t) => t.tag));
    return all.some((t) => t.stalledBy !== null && tags.has(t.stalledBy)) ? null : 'no other request shared the stalled worker';
  },
};

const keepaliveRace: Scenario = {
  name: 'keepalive_race',
  description:
    'traffic paused, then requests sent just as uvicorn closes the idle upstream connections nginx is about to reuse; a POST gets 502, a GET is retried silently ("502, 200")',
  async run(ctx) {
    ctx.pauseBackground();
    const tags: string[] = [];
    const keepAliveMs = ctx.timeouts.upstreamKeepAliveSeconds * 1000;
    const width = 8; // requests per wave: 4 connections to each upstream server
    // uvicorn's close timer starts when it has sent a response, a little before the client has it,
    // and fires up to a millisecond late; the race window on loopback is a fraction of that, so
    // each wave spreads its requests over a few milliseconds and successive waves shift the spread.
    const shifts = [0, 0.1, -0.2, 0.3, -0.3, 0.05, 0.2, -0.1, 0.15, -0.05];
    // mostly POSTs: nginx does not retry them, so a hit shows in the truth as a 502; the GETs are
    // retried on the next server and show only in $upstream_status ("502, 200")
    const send = (i: number, phase: string) =>
      ctx.client.send(
        i % 4 !== 1
          ? { method: 'POST', path: '/api/items', body: `{"${phase}":${i}}`, scenario: 'keepalive_race' }
          : { method: 'GET', path: `/api/items/${i + 1}`, scenario: 'keepalive_race' },
      );
    try {
      await sleep(keepAliveMs + 500); // let every idle upstream connection expire first
      for (const shift of [...shifts, ...shifts.map((x) => x + 0.4)]) {
        const warm = await Promise.all(Array.from({ length: width }, (_, i) => send(i, 'warm')));
        const t0 = Math.max(...warm.map((r) => r.endMs));
        const waves = warm.map(async (_, i) => {
          const target = t0 + keepAliveMs - 1 + shift + (i * 3.2) / width;
          await sleep(Math.max(0, target - Date.now() - 8));
          while (performance.timeOrigin + performance.now() < target) {
            // spin: timers are only good to a millisecond, the window is narrower
          }
          return send(i, 'probe');
        });
        const probes = await Promise.all(waves);
        tags.push(...warm.map((r) => r.tag), ...probes.map((r) => r.tag));
        const hits = probes.filter((r) => r.status === 502);
        if (hits.some((r) => r.method === 'POST')) {
          ctx.log(`keepalive_race: ${hits.length} request(s) hit a closing upstream connection`);
          return tags;
        }
      }
      ctx.log('keepalive_race: no POST hit the race this time');
      return tags;
    } finally {
      ctx.resumeBackground();
    }
  },
  check: (mine) =>
    has(mine, 'upstream_error', (t) => t.method === 'POST') ? null : 'no POST got a 502 from a reused upstream connection',
};

const workerTimeout: Scenario = {
  name: 'worker_timeout',
  description:
    'GET /block?seconds=8 blocks the event loop past gunicorn --timeout: WORKER TIMEOUT, SIGABRT; nginx retries the GET on the next server: a second worker blocks and dies the same way, or the retry fails at once on a cached connection to the dead worker; 502',
  async run(ctx) {
    const since = Date.now();
    const r = await sendExpecting(
      ctx, 'worker_timeout', ctx.client.send({ method: 'GET', path: '/block', query: { seconds: 8 }, scenario: 'worker_timeout' }),
    );
    // The retry either reaches (and kills) a second worker or fails at once on a cached connection
    // to the dead one: wait for as many respawns as workers ran the request.
    const killed = ctx.appStarts(r.tag);
    if (!(await ctx.waitForBoots(killed, since, 10_000))) ctx.log(`worker_timeout: fewer than ${killed} workers respawned`);
    return [r.tag];
  },
  check: (mine) => (has(mine, 'worker_timeout') ? null : 'no request ended as worker_timeout'),
};

const workerCrash: Scenario = {
  name: 'worker_crash',
  description:
    'SIGKILL from outside (as the OOM killer does) to the busiest worker running a POST of 8 in-flight GET and POST /slow requests: its POSTs get 502, its GETs are retried on the next server',
  async run(ctx) {
    const since = Date.now();
    const sent: Promise<ClientResult>[] = [];
    const postTags = new Set<string>();
    for (let i = 0; i < 8; i++) {
      // GET GET POST POST …: nginx alternates servers per request, so each server gets both kinds
      const post = (i >> 1) % 2 === 1;
      const before = new Set(ctx.client.inFlightTags('worker_crash'));
      sent.push(ctx.client.send({
        method: post ? 'POST' : 'GET', path: '/slow', query: { seconds: 2 }, scenario: 'worker_crash', ...(post ? { body: '{}' } : {}),
      }));
      if (post) for (const t of ctx.client.inFlightTags('worker_crash')) if (!before.has(t)) postTags.add(t);
    }
    await sleep(500);
    const tags = ctx.client.inFlightTags('worker_crash');
    // nginx retries a killed worker's GETs on the next server; only a POST shows the loss, so the
    // busiest worker running a POST is the one killed (the busiest, if none runs a POST yet).
    const busiest = ctx.inFlightPids(tags);
    const runningPosts = new Set(ctx.inFlightPids(tags.filter((t) => postTags.has(t))));
    const [pid] = [...busiest.filter((p) => runningPosts.has(p)), ...busiest];
    if (pid !== undefined) {
      ctx.log(`worker_crash: SIGKILL to worker ${pid}`);
      ctx.killWorker(pid);
    } else {
      ctx.log('worker_crash: no worker had the requests in flight');
    }
    const results = await Promise.all(sent);
    for (const r of results) if (r.method === 'POST' && r.status === 502) ctx.expect(r.tag, 'worker_crash');
    if (!(await ctx.waitForBoots(1, since, 10_000))) ctx.log('worker_crash: the worker was not respawned');
    return results.map((r) => r.tag);
  },
  check: (mine) => {
    const killed = mine.filter((t) => t.attempts.some((a) => a.death === 'worker_crash'));
    if (killed.length < 2) return `${killed.length} request(s) in flight on the killed worker, expected several`;
    return killed.some((t) => t.label === 'worker_crash') ? null : 'no request was lost with the killed worker';
  },
};

const crashRoute: Scenario = {
  name: 'crash_route',
  description: 'POST /crash: the handler SIGKILLs its own worker after 0.5 s; nginx does not retry a POST: 502',
  async run(ctx) {
    const since = Date.now();
    const r = await sendExpecting(
      ctx, 'worker_crash',
      ctx.client.send({ method: 'POST', path: '/crash', query: { delay: 0.5 }, body: '{}', scenario: 'crash_route' }),
    );
    if (!(await ctx.waitForBoots(1, since, 10_000))) ctx.log('crash_route: the worker was not respawned');
    return [r.tag];
  },
  check: (mine) => (has(mine, 'worker_crash') ? null : 'the /crash request did not end as worker_crash'),
};

const gunicornRestart: Scenario = {
  name: 'gunicorn_restart',
  description:
    'gunicorn stopped (SIGTERM, graceful) and started again 1.5 s later under traffic: in-flight requests finish, new ones get 502 (connection refused on both servers)',
  async run(ctx) {
    const inFlight = ctx.client.send({ method: 'GET', path: '/slow', query: { seconds: 1 }, scenario: 'gunicorn_restart' });
    await sleep(200);
    await ctx.stopGunicorn();
    const refused = [];
    for (let i = 0; i < 3; i++) {
      refused.push(await ctx.client.send({ method: 'GET', path: `/api/items/${20 + i}`, scenario: 'gunicorn_restart' }));
      await sleep(400);
    }
    for (const r of refused) ctx.expect(r.tag, 'upstream_unavailable');
    await ctx.startGunicorn();
    const after = await ctx.client.send({ method: 'GET', path: '/api/items/30', scenario: 'gunicorn_restart' });
    return [(await inFlight).tag, ...refused.map((r) => r.tag), after.tag];
  },
  check: (mine) => (has(mine, 'upstream_unavailable') ? null : 'no request got 502 while gunicorn was down'),
};

/** In the order they run; the first four overlap, the rest run one at a time. */
export const CONCURRENT_SCENARIOS: readonly Scenario[] = [appError, rejectedByProxy, clientAbort, proxyTimeout];
export const SERIAL_SCENARIOS: readonly Scenario[] = [
  stall, keepaliveRace, workerTimeout, workerCrash, crashRoute, gunicornRestart,
];
export const ALL_SCENARIOS: readonly Scenario[] = [...CONCURRENT_SCENARIOS, ...SERIAL_SCENARIOS];
