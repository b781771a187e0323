/**
 * The app server's effective clocks, with gunicorn's precedence (gunicorn/app/base.py load_config):
 * defaults < gunicorn.conf.py < GUNICORN_CMD_ARGS < the command line. Defaults are the same from
 * gunicorn 19.x to 23 (timeout 30, graceful_timeout 30, keepalive 2, workers $WEB_CONCURRENCY or 1)
 * and uvicorn's timeout-keep-alive is 5. Under gunicorn, uvicorn's worker takes its keep-alive from
 * gunicorn's `keepalive` (uvicorn/workers.py passes `timeout_keep_alive=self.cfg.keepalive`, since
 * uvicorn PR #195, 2018), so `--timeout-keep-alive` is not read there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseNginxTime } from '../../nginx-conf/time.js';
import type { Setting } from '../../nginx-conf/model.js';
import { parseArgs, type AppArgs } from './argv.js';
import { findCommandInFile, findCommandInText, type FoundCommand } from './command-sources.js';
import { parseGunicornConfPy, type ConfPyValue } from './conf-py.js';
import { shellWords } from './shell-words.js';

/** How a worker spends its time, which decides what gunicorn's `timeout` means for it. */
export type WorkerModel = 'sync' | 'threads' | 'greenlet' | 'asgi';

export interface AppServer {
  readonly kind: 'gunicorn' | 'uvicorn';
  readonly command: { readonly text: string; readonly source: string } | null;
  readonly workerClass: Setting;
  readonly model: WorkerModel;
  readonly workers: Setting;
  readonly threads: Setting;
  /** gunicorn's worker timeout (null for uvicorn alone, which has none). */
  readonly timeout: Setting | null;
  readonly gracefulTimeout: Setting | null;
  /** Idle keep-alive toward nginx; null when the server closes after every response (gunicorn sync workers). */
  readonly keepAlive: Setting | null;
  /** Where it listens: "host:port" or "unix:/path". */
  readonly bind: Setting;
  /** What the audit could not read or evaluate. */
  readonly notes: readonly string[];
}

export interface AppServerInputs {
  /** A command line, or a path to a Dockerfile/compose file/Procfile/systemd unit. */
  readonly cmd?: string | undefined;
  readonly gunicornConf?: string | undefined;
}

export type AppServerLookup = { readonly ok: true; readonly value: AppServer | null } | { readonly ok: false; readonly reason: string; readonly fix: string };

const GUNICORN_DEFAULTS: Readonly<Record<string, string>> = {
  timeout: '30',
  graceful_timeout: '30',
  keepalive: '2',
  workers: '1',
  threads: '1',
  worker_class: 'sync',
  bind: '127.0.0.1:8000',
};

const UVICORN_DEFAULTS: Readonly<Record<string, string>> = {
  timeout_keep_alive: '5',
  workers: '1',
  host: '127.0.0.1',
  port: '8000',
};

function setting(value: string, source: string, time: boolean): Setting {
  const t = time ? parseNginxTime(value) : undefined;
  return { value, seconds: t?.ok ? t.seconds : null, source };
}

export function workerModel(workerClass: string, threads: number): WorkerModel {
  const c = workerClass.toLowerCase();
  if (/uvicorn|asgi/.test(c)) return 'asgi';
  if (/gevent|eventlet|tornado/.test(c)) return 'greenlet';
  if (c.includes('gthread') || (c === 'sync' && threads > 1)) return 'threads';
  return 'sync';
}

export function resolveAppServer(inputs: AppServerInputs): AppServerLookup {
  const notes: string[] = [];
  let found: FoundCommand | undefined;
  let baseDir = '.';
  if (inputs.cmd !== undefined) {
    const isFile = existsSync(inputs.cmd) && !inputs.cmd.includes('\n');
    const r = isFile ? findCommandInFile(inputs.cmd, readFileSync(inputs.cmd, 'utf8')) : findCommandInText(inputs.cmd);
    if (!r.ok) return r;
    found = r.value;
    if (isFile) baseDir = dirname(inputs.cmd);
  }
  if (!found && inputs.gunicornConf === undefined) return { ok: true, value: null };
  if (found?.args.kind === 'uvicorn') {
    if (inputs.gunicornConf !== undefined) notes.push(`--gunicorn-conf ignored: ${found.source} runs uvicorn directly`);
    return { ok: true, value: uvicornServer(found, notes) };
  }

  // gunicorn: layer the sources, later ones win.
  const values = new Map<string, { value: string; source: string }>();
  const confPath = inputs.gunicornConf ?? configFromArgs(found?.args, baseDir, notes);
  if (confPath !== undefined) {
    if (!existsSync(confPath)) return { ok: false, reason: `gunicorn config "${confPath}" not found`, fix: 'check the path given to --gunicorn-conf' };
    const conf = parseGunicornConfPy(readFileSync(confPath, 'utf8'), confPath);
    for (const [k, v] of conf) {
      if (!(k in GUNICORN_DEFAULTS)) continue;
      if (!v.literal) notes.push(unevaluated(k, v));
      values.set(k, v);
    }
  }
  if (found?.cmdArgsEnv) {
    const env = parseArgs('gunicorn', shellWords(found.cmdArgsEnv.value));
    for (const [k, vs] of env.options) for (const v of vs) values.set(k, { value: v.value, source: `${found.cmdArgsEnv.source} (GUNICORN_CMD_ARGS ${v.flag})` });
  }
  if (found) {
    for (const [k, vs] of found.args.options) {
      for (const v of vs) values.set(k, { value: expandDefault(v.value, notes), source: `${found.source} (${v.flag})` });
    }
  }
  const get = (k: string, time = false): Setting => {
    const v = values.get(k);
    if (v) return setting(v.value, v.source, time);
    const note = k === 'workers' ? 'default ($WEB_CONCURRENCY, else 1)' : 'default';
    return setting(GUNICORN_DEFAULTS[k] as string, note, time);
  };
  const workerClass = get('worker_class');
  const threads = get('threads');
  const model = workerModel(workerClass.value, Number(threads.value) || 1);
  const keepalive = get('keepalive', true);
  if (model === 'sync') notes.push('sync workers close the connection after each response: gunicorn ignores keepalive for them, so nginx never reuses a connection to them');
  return {
    ok: true,
    value: {
      kind: 'gunicorn',
      command: found ? { text: found.args.text, source: found.source } : null,
      workerClass,
      model,
      workers: get('workers'),
      threads,
      timeout: get('timeout', true),
      gracefulTimeout: get('graceful_timeout', true),
      keepAlive: model === 'sync' ? null : keepalive,
      bind: get('bind'),
      notes,
    },
  };
}

function uvicornServer(found: FoundCommand, notes: string[]): AppServer {
  const opt = (k: string): { value: string; source: string } | undefined => {
    const v = found.args.options.get(k)?.at(-1);
    return v ? { value: expandDefault(v.value, notes), source: `${found.source} (${v.flag})` } : undefined;
  };
  const get = (k: string, time = false): Setting => {
    const v = opt(k);
    return v ? setting(v.value, v.source, time) : setting(UVICORN_DEFAULTS[k] as string, k === 'workers' ? 'default ($WEB_CONCURRENCY, else 1)' : 'default', time);
  };
  const uds = opt('uds');
  const bind = uds ? setting(`unix:${uds.value}`, uds.source, false) : setting(`${get('host').value}:${get('port').value}`, opt('port')?.source ?? opt('host')?.source ?? 'default', false);
  const graceful = opt('timeout_graceful_shutdown');
  notes.push('uvicorn has no request or worker timeout: a slow request runs until the app returns or the client (nginx) goes away');
  return {
    kind: 'uvicorn',
    command: { text: found.args.text, source: found.source },
    workerClass: setting('uvicorn (asyncio)', 'uvicorn run directly', false),
    model: 'asgi',
    workers: get('workers'),
    threads: setting('1', 'default', false),
    timeout: null,
    gracefulTimeout: graceful ? setting(graceful.value, graceful.source, true) : null,
    keepAlive: get('timeout_keep_alive', true),
    bind,
    notes,
  };
}

function configFromArgs(args: AppArgs | undefined, baseDir: string, notes: string[]): string | undefined {
  const c = args?.options.get('config')?.at(-1)?.value;
  if (c === undefined) return undefined;
  if (c.startsWith('python:')) {
    notes.push(`-c ${c}: a config given as a Python module is not read`);
    return undefined;
  }
  const p = isAbsolute(c) ? c : join(baseDir, c);
  if (existsSync(p)) return p;
  notes.push(`-c ${c}: not found next to the command's file (${p}); pass it with --gunicorn-conf to include its values`);
  return undefined;
}

/** `${GUNICORN_TIMEOUT:-120}` → "120": the value the command gets when the variable is unset. */
function expandDefault(value: string, notes: string[]): string {
  const m = /^\$\{(\w+):?-([^}]*)\}$/.exec(value);
  if (!m) return value;
  notes.push(`${value}: read as its default ${m[2] as string} ($${m[1] as string} unset)`);
  return m[2] as string;
}

const unevaluated = (k: string, v: ConfPyValue): string => `${k} = ${v.value} (${v.source}) is an expression the audit does not evaluate; rules that need ${k} treat it as unknown`;
