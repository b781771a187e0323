/**
 * A real nginx → gunicorn (uvicorn workers) → test/probe/stack/app.py stack on free ports of
 * 127.0.0.1, for the probe's gate tests: `servers` are nginx `server {}` blocks, each proxying to the
 * `app` upstream with its own clocks; `{port:NAME}` in them becomes a free port. Every process started
 * here is stopped by its pid when the test ends. `skipReason` says why a machine cannot run it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-root.js';

export const NGINX = '/usr/sbin/nginx';
const GUNICORN = '/usr/bin/gunicorn';
const PYTHON = '/usr/bin/python3';
const APP_DIR = join(repoRoot(), 'test', 'probe', 'stack');

export function skipReason(): string | false {
  const missing = [NGINX, GUNICORN, PYTHON].filter((p) => !existsSync(p));
  if (missing.length > 0) return `not installed: ${missing.join(', ')}`;
  if (spawnSync(PYTHON, ['-c', 'import uvicorn.workers']).status !== 0) return 'uvicorn is not importable by /usr/bin/python3';
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${ms}ms`);
}

export interface LiveStack {
  readonly dir: string;
  /** The nginx.conf nginx runs with (absolute paths only). */
  readonly conf: string;
  /** The gunicorn command line, as `--cmd` takes it. */
  readonly cmd: string;
  readonly ports: Readonly<Record<string, number>>;
  stop(): void;
}

/** nginx.conf text for these server blocks, on these ports and this app port (also for a "rendered" variant). */
export function renderConf(dir: string, appPort: number, servers: string, ports: Readonly<Record<string, number>>): string {
  const body = servers.replace(/\{port:(\w+)\}/g, (_, name: string) => String(ports[name]));
  return `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')} info;
events { worker_connections 64; }
http {
    client_body_temp_path ${join(dir, 'tmp')};
    proxy_temp_path ${join(dir, 'tmp')};
    log_format timed '$remote_addr [$time_iso8601] "$request" $status rt=$request_time '
                     'uct=$upstream_connect_time uht=$upstream_header_time urt=$upstream_response_time '
                     'us=$upstream_status ua=$upstream_addr rid=$request_id';
    access_log ${join(dir, 'logs/access.log')} timed;
    upstream app {
        server 127.0.0.1:${appPort};
    }
${body}
}
`;
}

export interface LiveStackOptions {
  /** gunicorn --timeout (default 30: nothing in the gate tests blocks a worker). */
  readonly gunicornTimeout?: number;
  /** gunicorn's stderr, as it comes (its WORKER TIMEOUT lines). */
  readonly onGunicornStderr?: (text: string) => void;
  /** Leave the run folder (configs, logs) in place, for a look afterwards. */
  readonly keep?: boolean;
}

export async function startLiveStack(servers: string, opts: LiveStackOptions = {}): Promise<LiveStack> {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-live-'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'tmp'));
  const appPort = await freePort();
  const ports: Record<string, number> = {};
  for (const m of servers.matchAll(/\{port:(\w+)\}/g)) ports[m[1]!] ??= await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderConf(dir, appPort, servers, ports));
  const cmd = `${GUNICORN} -k uvicorn.workers.UvicornWorker --timeout ${opts.gunicornTimeout ?? 30} -w 2 -b 127.0.0.1:${appPort} --chdir ${APP_DIR} app:app`;
  writeFileSync(join(dir, 'cmd.txt'), `${cmd}\n`);
  const procs: ChildProcess[] = [];
  const stop = (): void => {
    for (const p of procs) if (p.pid !== undefined && p.exitCode === null) p.kill('SIGTERM');
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  const gunicorn = spawn(PYTHON, cmd.split(' '), { stdio: ['ignore', 'ignore', opts.onGunicornStderr ? 'pipe' : 'ignore'] });
  gunicorn.stderr?.on('data', (b: Buffer) => opts.onGunicornStderr?.(b.toString()));
  procs.push(gunicorn);
  procs.push(spawn(NGINX, ['-c', conf, '-p', dir, '-e', join(dir, 'logs/error.log')], { stdio: 'ignore' }));
  try {
    for (const port of Object.values(ports)) await waitFor(`http://127.0.0.1:${port}/slow?seconds=0`, 20_000);
  } catch (err) {
    stop();
    throw err;
  }
  return { dir, conf, cmd, ports, stop };
}
