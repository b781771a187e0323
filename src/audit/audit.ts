/**
 * `runAudit`: read the nginx config (file with includes, or `nginx -T` text) and the app server's
 * command/config, build the chain, run every rule. Expected failures — a config nginx would reject,
 * a flag that does not parse — come back as values; the CLI maps them to exit codes (usage 2, else 1).
 */
import { buildModel } from '../nginx-conf/effective.js';
import { loadNginxConf, loadNginxDump } from '../nginx-conf/load.js';
import type { NginxModel, Setting } from '../nginx-conf/model.js';
import { parseNginxTime } from '../nginx-conf/time.js';
import { resolveAppServer, type AppServer } from './app-server/resolve.js';
import { buildChain, type LinkContext } from './chain.js';
import { AUDIT_RULES } from './rules/index.js';
import type { AuditResult, Finding, ServerLogs, Severity } from './types.js';
import { LB_PROVIDER_DEFAULTS, haproxyEdges, readHaproxyConf, type LbProvider } from './haproxy-conf.js';

export interface AuditOptions {
  /** Path to nginx.conf (or to a saved `nginx -T` output). */
  readonly nginxConf?: string | undefined;
  /** `nginx -T` text (the CLI reads it from stdin for `--nginx-conf -`). */
  readonly nginxDump?: string | undefined;
  readonly gunicornConf?: string | undefined;
  /** A gunicorn/uvicorn command line, or a path to a Dockerfile, compose file, Procfile or systemd unit. */
  readonly cmd?: string | undefined;
  /** Durations in nginx syntax: "60", "60s", "1m". */
  readonly lbIdleTimeout?: string | undefined;
  /** Which load balancer is in front: its default idle timeout when --lb-idle-timeout is not given */
  readonly lbProvider?: LbProvider | undefined;
  /** haproxy.cfg: HAProxy's timeouts in front of nginx */
  readonly haproxyConf?: string | undefined;
  readonly clientTimeout?: string | undefined;
}

export interface AuditError {
  readonly kind: 'usage' | 'config';
  /** file:line for config errors. */
  readonly where: string | null;
  readonly message: string;
  readonly fix: string;
}

export type AuditOutcome =
  | { readonly ok: true; readonly result: AuditResult; readonly model: NginxModel | null; readonly app: AppServer | null; readonly links: readonly LinkContext[] }
  | { readonly ok: false; readonly error: AuditError };

const usage = (message: string, fix: string): AuditOutcome => ({ ok: false, error: { kind: 'usage', where: null, message, fix } });

/** A CLI duration ("60", "90s", "1m30s") → a Setting citing the flag, or the reason it is not one. */
export function durationSetting(text: string, flag: string): { ok: true; value: Setting } | { ok: false; reason: string } {
  const t = parseNginxTime(text.trim());
  return t.ok ? { ok: true, value: { value: text.trim(), seconds: t.seconds, source: flag } } : { ok: false, reason: `${flag}: ${t.reason}` };
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warn: 1, info: 2 };

export function runAudit(opts: AuditOptions): AuditOutcome {
  if (opts.nginxConf === undefined && opts.nginxDump === undefined && opts.cmd === undefined && opts.gunicornConf === undefined) {
    return usage('nothing to audit', 'give --nginx-conf FILE (or - for `nginx -T` on stdin) and/or --cmd / --gunicorn-conf');
  }
  const edges: { lbIdle: Setting | null; lbKeepIdle: Setting | null; clientTimeout: Setting | null } = { lbIdle: null, lbKeepIdle: null, clientTimeout: null };
  for (const [key, text, flag] of [['lbIdle', opts.lbIdleTimeout, '--lb-idle-timeout'], ['clientTimeout', opts.clientTimeout, '--client-timeout']] as const) {
    if (text === undefined) continue;
    const d = durationSetting(text, flag);
    if (!d.ok) return usage(d.reason, `write ${flag} like nginx times: 60, 60s, 1m30s`);
    edges[key] = d.value;
  }
  const lbNotes: string[] = [];
  if (opts.haproxyConf !== undefined) {
    const conf = readHaproxyConf(opts.haproxyConf);
    if (!conf.ok) return { ok: false, error: { kind: 'config', where: opts.haproxyConf, message: conf.reason, fix: 'give the path of haproxy.cfg (haproxy -f)' } };
    const h = haproxyEdges(conf.value);
    // HAProxy waits `timeout server` for nginx's answer; it keeps idle connections to nginx for reuse up to pool-purge-delay.
    edges.lbIdle ??= h.wait;
    edges.lbKeepIdle = h.keepIdle;
    lbNotes.push(...h.notes);
  } else if (opts.lbProvider === 'haproxy') {
    return usage('--lb-provider haproxy needs its config', 'give --haproxy-conf /etc/haproxy/haproxy.cfg');
  } else if (opts.lbProvider !== undefined && edges.lbIdle === null) {
    const d = LB_PROVIDER_DEFAULTS[opts.lbProvider];
    edges.lbIdle = { value: `${d.seconds}s`, seconds: d.seconds, source: `default for --lb-provider ${opts.lbProvider}: ${d.what}` };
  }

  let model: NginxModel | null = null;
  let confNotes: readonly string[] = [];
  if (opts.nginxDump !== undefined || opts.nginxConf !== undefined) {
    const tree = opts.nginxDump !== undefined ? loadNginxDump(opts.nginxDump, opts.nginxConf ?? '-') : loadNginxConf(opts.nginxConf as string);
    if (!tree.ok) {
      const e = tree.error;
      return { ok: false, error: { kind: 'config', where: e.line > 0 ? `${e.file}:${e.line}` : e.file, message: e.message, fix: e.fix } };
    }
    model = buildModel(tree.value);
    confNotes = tree.value.notes;
  }

  const appLookup = resolveAppServer({ cmd: opts.cmd, gunicornConf: opts.gunicornConf });
  if (!appLookup.ok) return usage(appLookup.reason, appLookup.fix);
  const app = appLookup.value;

  const emptyModel: NginxModel = { main: '', files: [], servers: [], upstreams: [], logFormats: [] };
  const links = buildChain(model ?? emptyModel, app, edges);
  const findings: Finding[] = AUDIT_RULES.flatMap((rule) =>
    rule.check({ links, model: model ?? emptyModel, app, ...edges }).map((hit) => ({ rule: rule.id, severity: rule.severity, ...hit })),
  );
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.server.localeCompare(b.server) || a.location.localeCompare(b.location) || a.rule.localeCompare(b.rule),
  );

  const notes = [...confNotes, ...(app?.notes ?? []), ...lbNotes];
  if (model && model.servers.every((s) => s.locations.every((l) => l.proxyPass === null))) notes.push('no location has proxy_pass: there is no chain to draw');
  if (app && links.length > 0 && links.every((l) => l.app === null)) notes.push(`${app.kind} binds ${app.bind.value}, which no proxy_pass/upstream address uses: nginx and ${app.kind} clocks were not compared`);

  const result: AuditResult = {
    chain: links.map((l) => l.link),
    findings,
    logs: model ? serverLogs(model) : [],
    log_formats: (model?.logFormats ?? []).map((f) => ({ name: f.name, escape: f.escape, format: f.format, source: f.source })),
    inputs: {
      nginx_files: model?.files ?? [],
      app_server: app ? { kind: app.kind, command: app.command?.text ?? null, source: app.command?.source ?? null } : null,
      notes,
    },
  };
  return { ok: true, result, model, app, links };
}

function serverLogs(model: NginxModel): ServerLogs[] {
  const out: ServerLogs[] = [];
  const view = (server: string, location: string, s: { accessLogs: ServerLogs['access_logs']; errorLogs: ServerLogs['error_logs'] }): ServerLogs => ({
    server,
    location,
    access_logs: s.accessLogs.map((a) => ({ path: a.path, format: a.format, source: a.source })),
    error_logs: s.errorLogs.map((e) => ({ path: e.path, level: e.level, source: e.source })),
  });
  for (const srv of model.servers) {
    out.push(view(srv.name, '*', srv));
    for (const loc of srv.locations) if (loc.accessLogs !== srv.accessLogs || loc.errorLogs !== srv.errorLogs) out.push(view(srv.name, loc.match, loc));
  }
  return out;
}
