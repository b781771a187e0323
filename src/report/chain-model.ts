/**
 * One model of the chain for the recommendations: the audited configs when there are some (the
 * newest `audit --db` snapshot, which `analyze --nginx-conf … --cmd …` also saves), otherwise what
 * the logs show (gunicorn's version and worker class, uvicorn alone, worker boots) with each
 * runtime's defaults. Every recommendation reads its values here, so two of them cannot disagree on
 * what is configured, and each can say where a value is set and what it is now.
 *
 * Runtime semantics it encodes (gunicorn 19–23, uvicorn 0.17+):
 * - under gunicorn, UvicornWorker's idle keep-alive is gunicorn's `--keep-alive` (default 2 s):
 *   uvicorn/workers.py passes `timeout_keep_alive=self.cfg.keepalive`; uvicorn's own 5 s applies
 *   only to uvicorn run alone (`--timeout-keep-alive`);
 * - gunicorn's `--timeout` bounds a request only for sync workers; for async workers (UvicornWorker,
 *   gevent) it is a heartbeat: a worker whose event loop is blocked stops notifying and is killed
 *   anywhere from timeout/2 to timeout into the block, while a slow `await` is never cut;
 * - gunicorn sync workers close the connection after every response: no upstream keep-alive race.
 */
import type { StoredChainSetting } from '../store/sql/chain.js';
import type { AppServerFactsRow } from '../store/sql/report-events.js';
import { isoUtc } from '../domain/units.js';

export interface ChainValue {
  readonly value: string;
  readonly value_s: number | null;
  /** file:line, "file:line (--flag)", "default (…)" or "logs: …" */
  readonly source: string;
}

export type WorkerKind = 'asgi' | 'sync' | 'threads' | 'greenlet';

export interface ChainModel {
  /** audit: from an audit snapshot; logs: what the logs show, with the runtime's defaults */
  readonly origin: 'audit' | 'logs';
  /** one line for the report: where this model comes from */
  readonly origin_note: string;
  readonly app_server: 'gunicorn' | 'uvicorn' | null;
  readonly worker_kind: WorkerKind | null;
  readonly worker_class: ChainValue | null;
  /** gunicorn --timeout (null for uvicorn alone) */
  readonly timeout: ChainValue | null;
  readonly graceful_timeout: ChainValue | null;
  /** the app server's idle keep-alive toward nginx, and the flag that sets it */
  readonly app_keepalive: ChainValue | null;
  readonly app_keepalive_flag: string | null;
  readonly proxy_read_timeout: ChainValue | null;
  readonly proxy_next_upstream: ChainValue | null;
  readonly upstream_name: string | null;
  /** nginx's upstream keepalive_timeout (how long it reuses an idle connection) */
  readonly upstream_keepalive_timeout: ChainValue | null;
  /** the load balancer's idle timeout, when the audit was given one */
  readonly lb_idle: ChainValue | null;
  /** nginx's keepalive_timeout toward its clients (a load balancer in front reuses these connections) */
  readonly keepalive_timeout: ChainValue | null;
}

const def = (value: string, s: number | null, what: string): ChainValue => ({ value, value_s: s, source: `default (${what})` });

export function workerKindOf(workerClass: string): WorkerKind {
  const c = workerClass.toLowerCase();
  if (/uvicorn|asgi/.test(c)) return 'asgi';
  if (/gevent|eventlet|tornado/.test(c)) return 'greenlet';
  if (c.includes('gthread')) return 'threads';
  return 'sync';
}

/** The newest snapshot's settings (or none). */
function newestSnapshot(settings: readonly StoredChainSetting[]): StoredChainSetting[] {
  if (settings.length === 0) return [];
  const last = settings[settings.length - 1]!.snapshot_id;
  return settings.filter((s) => s.snapshot_id === last);
}

/** The chain from an audit snapshot; nginx settings from the location `/` when there is one (else the first location). */
function fromSnapshot(rows: readonly StoredChainSetting[]): ChainModel {
  const locations = [...new Set(rows.map((r) => `${r.server}\u0000${r.location}`))];
  const main = locations.find((l) => l.endsWith('\u0000/')) ?? locations[0]!;
  const atMain = rows.filter((r) => `${r.server}\u0000${r.location}` === main);
  const pick = (layer: string | null, setting: string | RegExp, from: readonly StoredChainSetting[] = atMain): ChainValue | null => {
    const r = from.find((x) => (layer === null || x.layer === layer) && (typeof setting === 'string' ? x.setting === setting : setting.test(x.setting)));
    return r ? { value: r.value, value_s: r.value_s, source: r.source } : null;
  };
  const appRow = rows.find((r) => r.layer === 'gunicorn' || r.layer === 'uvicorn');
  const app = appRow ? (appRow.layer as 'gunicorn' | 'uvicorn') : null;
  const appRows = rows.filter((r) => r.layer === app);
  const workerClass = app === 'gunicorn' ? pick('gunicorn', 'worker_class', appRows) : app === 'uvicorn' ? pick('uvicorn', 'worker', appRows) : null;
  const kind = app === 'uvicorn' ? 'asgi' : workerClass ? workerKindOf(workerClass.value) : null;
  const upstream = atMain.find((r) => /^upstream \S+ keepalive_timeout$/.test(r.setting));
  const taken = isoUtc(rows[0]!.taken_ms);
  return {
    origin: 'audit',
    origin_note: `the audited configs (snapshot of ${taken}; nginx location ${main.split('\u0000')[1]})`,
    app_server: app,
    worker_kind: kind,
    worker_class: workerClass,
    timeout: app === 'gunicorn' ? pick('gunicorn', 'timeout', appRows) : null,
    graceful_timeout: pick(app, /^(graceful_timeout|timeout_graceful_shutdown)$/, appRows),
    // gunicorn sync workers close after each response; the audit leaves their keep-alive out
    app_keepalive: pick(app, /^(keepalive|timeout_keep_alive)$/, appRows),
    app_keepalive_flag: app === 'gunicorn' ? '--keep-alive' : app === 'uvicorn' ? '--timeout-keep-alive' : null,
    proxy_read_timeout: pick('nginx', 'proxy_read_timeout'),
    proxy_next_upstream: pick('nginx', 'proxy_next_upstream'),
    upstream_name: upstream ? upstream.setting.split(' ')[1]! : null,
    upstream_keepalive_timeout: upstream ? { value: upstream.value, value_s: upstream.value_s, source: upstream.source } : null,
    lb_idle: pick('lb', 'idle timeout'),
    keepalive_timeout: pick('nginx', 'keepalive_timeout'),
  };
}

/** The chain as the logs show it: the app server and worker class from its stderr, the rest at their defaults. */
function fromLogs(f: AppServerFactsRow): ChainModel {
  const gunicorn = f.gunicorn_lines > 0;
  const uvicornAlone = !gunicorn && f.uvicorn_lines > 0;
  const app = gunicorn ? 'gunicorn' : uvicornAlone ? 'uvicorn' : null;
  const workerClass: ChainValue | null = gunicorn
    ? (f.worker_class ? { value: f.worker_class, value_s: null, source: `logs: "Using worker: ${f.worker_class}"` } : def('sync', null, 'gunicorn: no "Using worker" line'))
    : uvicornAlone ? { value: 'uvicorn', value_s: null, source: 'logs: uvicorn lines and no gunicorn line' } : null;
  const kind = workerClass ? (uvicornAlone ? 'asgi' : workerKindOf(workerClass.value)) : null;
  const version = f.gunicorn_version ? ` ${f.gunicorn_version}` : '';
  const parts = [
    gunicorn ? `gunicorn${version} with ${workerClass!.value}` : uvicornAlone ? 'uvicorn run alone' : 'no app-server log',
    f.boots > 0 ? `${f.boots} worker boot(s)` : '',
  ].filter(Boolean);
  return {
    origin: 'logs',
    origin_note: `what the logs show (${parts.join(', ')}) and each layer's defaults: run \`droptrace audit --db\` with the configs to cite file:line`,
    app_server: app,
    worker_kind: kind,
    worker_class: workerClass,
    timeout: gunicorn ? def('30', 30, 'gunicorn --timeout') : null,
    graceful_timeout: gunicorn ? def('30', 30, 'gunicorn --graceful-timeout') : uvicornAlone ? def('none', null, 'uvicorn --timeout-graceful-shutdown') : null,
    app_keepalive: gunicorn
      ? (kind === 'sync' ? null : def('2', 2, kind === 'asgi' ? 'gunicorn --keep-alive, which UvicornWorker uses instead of uvicorn\'s 5 s' : 'gunicorn --keep-alive'))
      : uvicornAlone ? def('5', 5, 'uvicorn --timeout-keep-alive') : null,
    app_keepalive_flag: gunicorn ? '--keep-alive' : uvicornAlone ? '--timeout-keep-alive' : null,
    proxy_read_timeout: def('60s', 60, 'nginx proxy_read_timeout'),
    proxy_next_upstream: def('error timeout', null, 'nginx proxy_next_upstream'),
    upstream_name: null,
    upstream_keepalive_timeout: def('60s', 60, 'nginx upstream keepalive_timeout'),
    lb_idle: null,
    keepalive_timeout: def('75s', 75, 'nginx keepalive_timeout'),
  };
}

export function buildChainModel(settings: readonly StoredChainSetting[], facts: AppServerFactsRow): ChainModel {
  const snap = newestSnapshot(settings);
  const audited = snap.length > 0 ? fromSnapshot(snap) : null;
  if (audited === null) return fromLogs(facts);
  // An audit of nginx alone says nothing about the app server: the logs still do.
  if (audited.app_server === null) {
    const logs = fromLogs(facts);
    return { ...audited, app_server: logs.app_server, worker_kind: logs.worker_kind, worker_class: logs.worker_class, timeout: logs.timeout,
      graceful_timeout: logs.graceful_timeout, app_keepalive: logs.app_keepalive, app_keepalive_flag: logs.app_keepalive_flag,
      origin_note: `${audited.origin_note}; the app server from the logs (${logs.worker_class?.value ?? 'unknown'})` };
  }
  return audited;
}

/** "2 (default (gunicorn --keep-alive …))" / "5s (nginx.conf:12)" */
export const said = (v: ChainValue | null): string => (v === null ? 'unknown' : `${v.value} (${v.source})`);
