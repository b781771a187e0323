/**
 * The load balancer stack: a real HAProxy (Debian's, /usr/sbin/haproxy) in front of a real nginx in
 * front of a small upstream served here, HAProxy logging through a syslog socket to a file as
 * rsyslog would. Scripted requests fail in every way the LB verdicts name; the truth for each comes
 * from what the client saw and whether the upstream ever received it (never from the logs).
 *
 *   node dist/test/harness/lb/lb-stack.js <outdir>
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NGINX, freePort, spawnLogged, stopAll, waitForPort } from '../processes.js';
import { isMain } from '../stack.js';
import { startSyslog } from './syslog.js';
import { renderHaproxyCfg, renderLbNginxConf, type LbPorts } from './confs.js';

export const HAPROXY = '/usr/sbin/haproxy';

export type LbLabel = 'ok' | 'lb_timeout' | 'client_abort' | 'lb_unavailable' | 'lb_upstream_error' | 'unknown';

export interface LbTruth {
  readonly tag: string;
  readonly scenario: string;
  readonly method: string;
  readonly uri: string;
  readonly client: { startMs: number; endMs: number; status: number | null; aborted: boolean; error: string | null };
  /** Whether the upstream behind nginx received it (then nginx had it too) */
  readonly upstreamSaw: boolean;
  readonly label: LbLabel;
}

export const lbStackAvailable = (): boolean => existsSync(HAPROXY) && existsSync(NGINX);

interface Seen { receivedMs: number }

function startUpstream(seen: Map<string, Seen>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tag = url.searchParams.get('dt');
    if (tag) seen.set(tag, { receivedMs: Date.now() });
    const ms = Number(url.searchParams.get('ms') ?? 0);
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    };
    if (ms > 0) setTimeout(answer, ms); else answer();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
  }));
}

interface Sent { status: number | null; aborted: boolean; error: string | null; startMs: number; endMs: number }

function send(port: number, method: string, path: string, abortAfterMs: number | null): Promise<Sent> {
  const startMs = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: Omit<Sent, 'startMs' | 'endMs'>) => {
      if (done) return;
      done = true;
      resolve({ ...s, startMs, endMs: Date.now() });
    };
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { 'user-agent': 'droptrace-harness/lb' } }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => finish({ status: res.statusCode ?? null, aborted: false, error: null }));
      res.on('error', (e) => finish({ status: res.statusCode ?? null, aborted: false, error: e.message }));
    });
    req.on('error', (e) => finish({ status: null, aborted: abortAfterMs !== null, error: e.message }));
    if (abortAfterMs !== null) setTimeout(() => { finish({ status: null, aborted: true, error: null }); req.destroy(); }, abortAfterMs);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

function label(scenario: string, c: Sent, upstreamSaw: boolean): LbLabel {
  if (c.aborted) return 'client_abort';
  if (c.status === 200) return 'ok';
  if (c.status === 504 && upstreamSaw) return 'lb_timeout';
  if (c.status === 503 && !upstreamSaw) return 'lb_unavailable';
  if (c.status === 502 && !upstreamSaw) return 'lb_upstream_error';
  return 'unknown';
}

export interface LbRunResult {
  readonly truth: LbTruth[];
  readonly events: Record<string, boolean>;
}

export interface LbRunOptions {
  /** Waves of the keep-alive race (~1 s each): more waves, more chances at its sub-millisecond window */
  readonly raceWaves?: number;
  /** Requests per wave: each holds one idle connection HAProxy may reuse */
  readonly waveSize?: number;
}

/** Runs the stack once into `outDir` (logs/, conf/, truth/); ~15 s plus a second per race wave. */
export async function runLbStack(out: string, o: LbRunOptions = {}): Promise<LbRunResult> {
  const outDir = resolve(out); // nginx and HAProxy run with the run folder as their cwd
  const raceWaves = o.raceWaves ?? 24;
  const waveSize = o.waveSize ?? 8;
  for (const d of ['logs', 'conf', 'truth', 'run']) mkdirSync(join(outDir, d), { recursive: true });
  const seen = new Map<string, Seen>();
  const upstream = await startUpstream(seen);
  const syslog = await startSyslog(join(outDir, 'logs', 'haproxy.log'));
  const ports: LbPorts = { haproxy: await freePort(), nginx: await freePort(), upstream: upstream.port, dead: await freePort(), syslog: syslog.port };
  writeFileSync(join(outDir, 'conf', 'haproxy.cfg'), renderHaproxyCfg(ports));
  writeFileSync(join(outDir, 'conf', 'nginx.conf'), renderLbNginxConf(ports));
  writeFileSync(join(outDir, 'conf', 'stack.json'), JSON.stringify({ profile: 'lb', tz: 'UTC', ports }, null, 2) + '\n');
  const env = { ...process.env, TZ: 'UTC' };
  const truth: LbTruth[] = [];
  let n = 0;
  const tagged = (path: string) => {
    const tag = `t${String(++n).padStart(4, '0')}`;
    return { tag, uri: `${path}${path.includes('?') ? '&' : '?'}dt=${tag}` };
  };
  const run = async (scenario: string, method: string, path: string, abortAfterMs: number | null = null) => {
    const { tag, uri } = tagged(path);
    const c = await send(ports.haproxy, method, uri, abortAfterMs);
    return { tag, uri, c, scenario, method };
  };
  const record = (r: Awaited<ReturnType<typeof run>>) => {
    const upstreamSaw = seen.has(r.tag);
    truth.push({ tag: r.tag, scenario: r.scenario, method: r.method, uri: r.uri, client: { ...r.c }, upstreamSaw, label: label(r.scenario, r.c, upstreamSaw) });
  };
  try {
    spawnLogged({ command: NGINX, args: ['-p', outDir, '-c', join(outDir, 'conf', 'nginx.conf')], cwd: outDir, env, logFile: join(outDir, 'logs', 'nginx.stderr') });
    spawnLogged({ command: HAPROXY, args: ['-db', '-f', join(outDir, 'conf', 'haproxy.cfg')], cwd: outDir, env, logFile: join(outDir, 'logs', 'haproxy.stderr') });
    await waitForPort(ports.nginx, 10_000);
    await waitForPort(ports.haproxy, 10_000);

    for (let i = 0; i < 15; i++) record(await run('background', 'GET', `/api/items/${i % 5}`));
    // HAProxy's timeout server (2 s) fires before nginx's proxy_read_timeout (10 s).
    for (const r of await Promise.all([0, 1, 2].map(() => run('lb_timeout', 'GET', '/api/report?ms=3500')))) record(r);
    // The client leaves at 0.3 s while the answer takes 3 s (far from every server clock: none is blamed).
    for (const r of await Promise.all([0, 1, 2].map(() => run('client_abort', 'POST', '/api/orders?ms=3000', 300)))) record(r);
    // No server behind the backend: HAProxy answers 503 itself.
    for (let i = 0; i < 3; i++) record(await run('backend_down', 'GET', `/down/${i}`));
    // The keep-alive race: waves of 8 that open 8 connections HAProxy keeps for reuse, then the next
    // wave just as nginx's 1 s keepalive_timeout closes them.
    // The window is a fraction of a millisecond wide on loopback: sweep the pause across it.
    for (let w = 0; w < raceWaves; w++) {
      for (const r of await Promise.all(Array.from({ length: waveSize }, (_, k) => run('keepalive_race', 'GET', `/api/items/${k}`)))) record(r);
      await sleep(992 + (w % 17));
    }
    for (let i = 0; i < 10; i++) record(await run('background', 'GET', `/health`));
    await sleep(1_500); // the last lines reach the syslog socket and nginx's log
  } finally {
    await stopAll(3_000);
    await syslog.close();
    upstream.server.closeAllConnections();
    upstream.server.close();
  }
  const events = {
    lb_timeout: truth.some((t) => t.label === 'lb_timeout'),
    client_abort: truth.some((t) => t.label === 'client_abort'),
    backend_down: truth.some((t) => t.label === 'lb_unavailable'),
    keepalive_race: truth.some((t) => t.label === 'lb_upstream_error'),
  };
  writeFileSync(join(outDir, 'truth', 'requests.ndjson'), truth.map((t) => JSON.stringify(t)).join('\n') + '\n');
  writeFileSync(join(outDir, 'truth', 'summary.json'), JSON.stringify({ requests: truth.length, events }, null, 2) + '\n');
  return { truth, events };
}

if (isMain(import.meta.url)) {
  const out = process.argv[2];
  const waves = Number(process.argv[3] ?? 24);
  const size = Number(process.argv[4] ?? 8);
  if (!out) {
    process.stderr.write('usage: lb-stack <outdir>\n');
    process.exitCode = 2;
  } else {
    runLbStack(out, { raceWaves: waves, waveSize: size }).then((r) => {
      const counts: Record<string, number> = {};
      for (const t of r.truth) counts[t.label] = (counts[t.label] ?? 0) + 1;
      process.stdout.write(`${JSON.stringify(counts)}\n${JSON.stringify(r.events)}\n`);
    }).catch((err: unknown) => {
      process.stderr.write(`lb-stack: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
  }
}
