/**
 * Directive tree → effective values per server and location (model.ts), applying nginx's
 * inheritance and defaults. `if` blocks and `limit_except` are not evaluated: they depend on the
 * request, and the audit reports the values a plain request gets.
 */
import { cite, type ConfTree, type Directive } from './load.js';
import { DEFAULT_ACCESS_LOG, DEFAULT_ERROR_LOG, ERROR_LEVELS, HTTP_DIRECTIVES, UPSTREAM_DIRECTIVES, type DirectiveSpec, type ErrorLevel } from './directives.js';
import { collectLogFormats } from './log-format.js';
import { parseNginxTime } from './time.js';
import type { AccessLog, ErrorLog, HeaderSetting, Location, NginxModel, ProxyPass, Scope, Server, Setting, Upstream } from './model.js';

const defaultSource = (spec: DirectiveSpec): string =>
  spec.note && /nginx \d/.test(spec.note) ? `default (${spec.note})` : 'default';

export function settingOf(spec: DirectiveSpec, args: readonly string[], source: string): Setting {
  const value = args.join(' ');
  const first = args[0];
  const t = spec.kind === 'time' && first !== undefined ? parseNginxTime(first) : undefined;
  return { value, seconds: t?.ok ? t.seconds : null, source };
}

const defaultSetting = (spec: DirectiveSpec): Setting => settingOf(spec, spec.default === '' ? [] : spec.default.split(' '), defaultSource(spec));

const first = (ds: readonly Directive[], name: string): Directive | undefined => ds.find((d) => d.name === name);
const all = (ds: readonly Directive[], name: string): Directive[] => ds.filter((d) => d.name === name);

function rootScope(mainDirectives: readonly Directive[]): Scope {
  const settings: Record<string, Setting> = {};
  for (const spec of HTTP_DIRECTIVES) settings[spec.name] = defaultSetting(spec);
  const mainErrorLogs = all(mainDirectives, 'error_log').map(errorLogOf);
  return {
    settings,
    headers: [],
    accessLogs: [{ path: DEFAULT_ACCESS_LOG, format: 'combined', source: 'default' }],
    errorLogs: mainErrorLogs.length > 0 ? mainErrorLogs : [{ path: DEFAULT_ERROR_LOG, level: 'error', source: 'default' }],
  };
}

function childScope(parent: Scope, block: readonly Directive[]): Scope {
  const settings: Record<string, Setting> = { ...parent.settings };
  for (const spec of HTTP_DIRECTIVES) {
    const d = first(block, spec.name);
    if (d) settings[spec.name] = settingOf(spec, d.args, cite(d));
  }
  const headers = all(block, 'proxy_set_header').map((d): HeaderSetting => ({ name: d.args[0] ?? '', value: d.args[1] ?? '', source: cite(d) }));
  const access = all(block, 'access_log').map(accessLogOf);
  const errors = all(block, 'error_log').map(errorLogOf);
  return {
    settings,
    headers: headers.length > 0 ? headers : parent.headers,
    accessLogs: access.length > 0 ? access : parent.accessLogs,
    errorLogs: errors.length > 0 ? errors : parent.errorLogs,
  };
}

function accessLogOf(d: Directive): AccessLog {
  const [path = 'off', format] = d.args;
  return { path, format: path === 'off' ? '' : format ?? 'combined', source: cite(d) };
}

function errorLogOf(d: Directive): ErrorLog {
  const [path = DEFAULT_ERROR_LOG, level] = d.args;
  const known = (ERROR_LEVELS as readonly string[]).includes(level ?? '') ? (level as ErrorLevel) : 'error';
  return { path, level: known, source: cite(d) };
}

function upstreamOf(d: Directive): Upstream {
  const block = d.block ?? [];
  const get = (name: string): Setting => {
    const spec = UPSTREAM_DIRECTIVES.find((s) => s.name === name) as DirectiveSpec;
    const found = first(block, name);
    return found ? settingOf(spec, found.args, cite(found)) : defaultSetting(spec);
  };
  return {
    name: d.args[0] ?? '',
    source: cite(d),
    servers: all(block, 'server').map((s) => ({ address: s.args[0] ?? '', source: cite(s) })),
    keepalive: get('keepalive'),
    keepaliveTimeout: get('keepalive_timeout'),
    keepaliveRequests: get('keepalive_requests'),
  };
}

function proxyPassOf(d: Directive | undefined, upstreams: readonly Upstream[]): ProxyPass | null {
  if (!d) return null;
  const url = d.args[0] ?? '';
  const m = /^[a-z]+:\/\/(unix:[^:]+|\[[^\]]+\](?::\d+)?|[^/:]+(?::\d+)?)/i.exec(url);
  const hostPort = m?.[1] ?? url;
  const named = upstreams.find((u) => u.name === hostPort);
  return { url, upstream: named ? named.name : null, target: hostPort, source: cite(d) };
}

const CONNECTION_DEFAULT: Setting = { value: 'close', seconds: null, source: 'default (nginx sends "Connection: close" upstream)' };

function locationsOf(block: readonly Directive[], scope: Scope, parent: string | null, upstreams: readonly Upstream[]): Location[] {
  const out: Location[] = [];
  for (const d of all(block, 'location')) {
    const body = d.block ?? [];
    const [a = '', b] = d.args;
    const modifier = (b !== undefined ? a : a.startsWith('@') ? '@' : '') as Location['modifier'];
    const uri = b !== undefined ? b : a;
    const match = d.args.join(' ');
    const s = childScope(scope, body);
    const conn = s.headers.find((h) => h.name.toLowerCase() === 'connection');
    const upgrade = s.headers.find((h) => h.name.toLowerCase() === 'upgrade');
    const connectionHeader: Setting = conn ? { value: conn.value, seconds: null, source: conn.source } : CONNECTION_DEFAULT;
    out.push({
      ...s,
      match,
      modifier,
      uri,
      source: cite(d),
      parent,
      proxyPass: proxyPassOf(first(body, 'proxy_pass'), upstreams),
      connectionHeader,
      websocket: upgrade !== undefined && /\$http_upgrade/.test(upgrade.value) && conn !== undefined && /upgrade/i.test(conn.value),
    });
    out.push(...locationsOf(body, s, match, upstreams));
  }
  return out;
}

export function buildModel(tree: ConfTree): NginxModel {
  const root = rootScope(tree.directives);
  const servers: Server[] = [];
  const upstreams: Upstream[] = [];
  for (const http of all(tree.directives, 'http')) {
    const body = http.block ?? [];
    upstreams.push(...all(body, 'upstream').map(upstreamOf));
  }
  for (const http of all(tree.directives, 'http')) {
    const body = http.block ?? [];
    const httpScope = childScope(root, body);
    for (const srv of all(body, 'server')) {
      const sb = srv.block ?? [];
      const s = childScope(httpScope, sb);
      const names = (first(sb, 'server_name')?.args ?? []).filter((n) => n !== '');
      const listen = all(sb, 'listen').map((l) => l.args.join(' '));
      const firstName = names.find((n) => n !== '_');
      servers.push({
        ...s,
        name: firstName ?? `listen ${listen[0] ?? '80'}`,
        names,
        listen: listen.length > 0 ? listen : ['80'],
        source: cite(srv),
        locations: locationsOf(sb, s, null, upstreams),
      });
    }
  }
  return { main: tree.main, files: tree.files, servers, upstreams, logFormats: collectLogFormats(tree.directives) };
}
