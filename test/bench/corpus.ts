/**
 * A seeded, realistic log corpus for the benchmark: one simulated stack (nginx → gunicorn → app)
 * written as the five files droptrace reads. Same seed and size, same bytes, so runs compare.
 * Files are streamed to disk in blocks: generating 4M lines never holds a file in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { seededRandom } from '../support/random.js';

/** The timing log_format: combined plus what correlation needs (times, upstream attempts, ids). */
export const TIMING_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'rt=$request_time ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" rid=$request_id msec=$msec';

export interface Corpus {
  readonly dir: string;
  readonly lines: number;
  readonly combined: string;
  readonly timing: string;
  readonly error: string;
  readonly gunicorn: string;
  readonly app: string;
  /** Lines written per file */
  readonly counts: { combined: number; timing: number; error: number; gunicorn: number; app: number };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATHS = ['/', '/api/orders', '/api/orders/{id}', '/api/users/{id}', '/api/search', '/static/app.js', '/static/app.css',
  '/login', '/api/cart', '/api/report', '/healthz', '/api/items/{id}/reviews'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'GET', 'PUT', 'DELETE'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERERS = ['-', '-', 'https://example.com/', 'https://example.com/cart', 'https://www.google.com/'];
const UPSTREAMS = ['10.0.0.1:8000', '10.0.0.2:8000'];
const WORKER_PIDS = [4101, 4102, 4103, 4104];

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** nginx's $time_local in UTC: "10/Mar/2024:00:00:01 +0000" */
function timeLocal(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}
/** nginx's error-log time, written in UTC (the bench passes --tz UTC) */
function errorTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}
/** gunicorn's "[2024-03-10 00:00:01 +0000]" */
function gunicornTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}
const hex8 = (rnd: () => number) => Math.floor(rnd() * 0x100000000).toString(16).padStart(8, '0');
const seconds = (ms: number) => `${Math.floor(ms / 1000)}.${pad3(ms % 1000)}`;

/** Buffered line writer: one write per ~1 MiB block, waiting for drain. */
class BlockWriter {
  private parts: string[] = [];
  private size = 0;
  count = 0;
  private readonly out: WriteStream;
  constructor(path: string) {
    this.out = createWriteStream(path);
  }
  async line(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length + 1;
    this.count++;
    if (this.size >= 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.out.write(this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

/** `startMs`: when the first request ends (fleet tests give each stack its own hour). */
export async function generateCorpus(dir: string, lines: number, seed: number, startMs = Date.UTC(2024, 2, 10, 0, 0, 0)): Promise<Corpus> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const files = {
    combined: join(dir, 'access-combined.log'),
    timing: join(dir, 'access-timing.log'),
    error: join(dir, 'error.log'),
    gunicorn: join(dir, 'gunicorn.log'),
    app: join(dir, 'app.ndjson'),
  };
  const w = {
    combined: new BlockWriter(files.combined),
    timing: new BlockWriter(files.timing),
    error: new BlockWriter(files.error),
    gunicorn: new BlockWriter(files.gunicorn),
    app: new BlockWriter(files.app),
  };
  let now = startMs;
  await w.gunicorn.line(`[${gunicornTime(now - 5000)}] [4100] [INFO] Starting gunicorn 21.2.0`);
  await w.gunicorn.line(`[${gunicornTime(now - 5000)}] [4100] [INFO] Listening at: http://10.0.0.1:8000 (4100)`);
  await w.gunicorn.line(`[${gunicornTime(now - 5000)}] [4100] [INFO] Using worker: sync`);
  for (const pid of WORKER_PIDS) await w.gunicorn.line(`[${gunicornTime(now - 4900)}] [${pid}] [INFO] Booting worker with pid: ${pid}`);
  const workers = [...WORKER_PIDS];
  let nextPid = 4200;
  let cid = 1000;

  for (let i = 0; i < lines; i++) {
    now += Math.floor(rnd() * 10); // ~200 requests/s
    const ip = `192.0.2.${1 + Math.floor(rnd() * 250)}`;
    const method = pick(METHODS);
    const path = pick(PATHS).replace('{id}', String(1 + Math.floor(rnd() * 100000)));
    const uri = rnd() < 0.3 ? `${path}?page=${1 + Math.floor(rnd() * 20)}&q=term${Math.floor(rnd() * 1000)}` : path;
    const request = `${method} ${uri} HTTP/1.1`;
    const rid = hex8(rnd) + hex8(rnd) + hex8(rnd) + hex8(rnd); // nginx's $request_id: 32 hex digits
    const ua = pick(AGENTS);
    const ref = pick(REFERERS);
    const roll = rnd();
    let status = rnd() < 0.05 ? 404 : 200;
    let upAddr = pick(UPSTREAMS);
    let upStatus = String(status);
    let respMs = 2 + Math.floor(rnd() * rnd() * 400);
    let upTime = seconds(respMs);
    let appLine = true;
    const worker = pick(workers);
    if (roll < 0.01) {
      // the first upstream closed the connection, nginx retried on the second
      const first = 1 + Math.floor(rnd() * 20);
      upAddr = `${UPSTREAMS[0]}, ${UPSTREAMS[1]}`;
      upStatus = `502, ${status}`;
      upTime = `${seconds(first)}, ${seconds(respMs)}`;
      respMs += first;
      await w.error.line(`${errorTime(now)} [error] 812#812: *${cid++} upstream prematurely closed connection while reading response header from upstream, client: ${ip}, server: example.com, request: "${request}", upstream: "http://${UPSTREAMS[0]}${uri}", host: "example.com"`);
    } else if (roll < 0.0101) {
      // gunicorn's --timeout killed the worker: 502, and the app never logged the request
      respMs = 30000 + Math.floor(rnd() * 100);
      status = 502;
      upStatus = '502';
      upTime = seconds(respMs);
      appLine = false;
      const pidIdx = workers.indexOf(worker);
      const fresh = nextPid++;
      workers[pidIdx] = fresh;
      await w.gunicorn.line(`[${gunicornTime(now - 5)}] [4100] [CRITICAL] WORKER TIMEOUT (pid:${worker})`);
      await w.gunicorn.line(`[${gunicornTime(now - 3)}] [${worker}] [INFO] Worker exiting (pid: ${worker})`);
      await w.gunicorn.line(`[${gunicornTime(now + 40)}] [${fresh}] [INFO] Booting worker with pid: ${fresh}`);
      await w.error.line(`${errorTime(now)} [error] 812#812: *${cid++} upstream prematurely closed connection while reading response header from upstream, client: ${ip}, server: example.com, request: "${request}", upstream: "http://${upAddr}${uri}", host: "example.com"`);
    }
    const reqMs = respMs + Math.floor(rnd() * 3);
    const bytes = status === 200 ? 200 + Math.floor(rnd() * 40000) : 150;
    const head = `${ip} - - [${timeLocal(now)}] "${request}" ${status} ${bytes} "${ref}" "${ua}"`;
    await w.combined.line(head);
    await w.timing.line(`${head} rt=${seconds(reqMs)} ua="${upAddr}" us="${upStatus}" urt="${upTime}" rid=${rid} msec=${seconds(now)}`);
    if (appLine) {
      const appEnd = now - 1 - Math.floor(rnd() * 2);
      const elapsed = Math.max(1, respMs - 2) + Math.floor(rnd() * 1000) / 1000;
      await w.app.line(JSON.stringify({
        ts: new Date(appEnd).toISOString(), level: 'info', request_id: rid, method, path, status, elapsed_ms: elapsed, pid: worker,
      }));
    }
  }
  await Promise.all(Object.values(w).map((x) => x.close()));
  return {
    dir, lines, ...files,
    counts: { combined: w.combined.count, timing: w.timing.count, error: w.error.count, gunicorn: w.gunicorn.count, app: w.app.count },
  };
}
