/**
 * The timeout chain of each proxied location: client → LB → nginx → gunicorn/uvicorn → app, every
 * clock with its source. The app server is attached to a location only when its bind port (or unix
 * socket) is one of the location's upstream addresses: comparing nginx with the wrong backend would
 * produce confident nonsense.
 */
import type { Location, NginxModel, Server, Setting, Upstream } from '../nginx-conf/model.js';
import type { AppServer } from './app-server/resolve.js';
import type { ChainLink, ChainValue, Layer } from './types.js';

export const chainValue = (layer: Layer, setting: string, s: Setting): ChainValue => ({ layer, setting, value: s.value, value_s: s.seconds, source: s.source });

/** A link with the parsed pieces the rules look at. */
export interface LinkContext {
  readonly link: ChainLink;
  readonly server: Server;
  readonly location: Location;
  readonly upstream: Upstream | null;
  readonly app: AppServer | null;
}

export interface Edges {
  readonly lbIdle: Setting | null;
  readonly clientTimeout: Setting | null;
}

const NGINX_CLIENT_SIDE = ['keepalive_timeout', 'client_header_timeout', 'client_body_timeout', 'send_timeout'];
const NGINX_UPSTREAM_SIDE = ['proxy_connect_timeout', 'proxy_send_timeout', 'proxy_read_timeout', 'proxy_next_upstream', 'proxy_next_upstream_tries', 'proxy_next_upstream_timeout', 'proxy_http_version'];

/** "0.0.0.0:8000" → "8000"; "unix:/run/app.sock" stays whole; "app:8000" → "8000". */
export function endpointKey(address: string): string {
  const a = address.replace(/^https?:\/\//, '');
  if (a.startsWith('unix:')) return a.replace(/:$/, '');
  const port = /:(\d+)$/.exec(a)?.[1];
  return port ?? '80';
}

function targets(location: Location, upstream: Upstream | null): string[] {
  if (upstream) return upstream.servers.map((s) => s.address);
  return location.proxyPass ? [location.proxyPass.target] : [];
}

export function appMatches(app: AppServer, location: Location, upstream: Upstream | null): boolean {
  const binds = app.bind.value.split(' ').map(endpointKey);
  return targets(location, upstream).some((t) => binds.includes(endpointKey(t)));
}

export function buildChain(model: NginxModel, app: AppServer | null, edges: Edges): LinkContext[] {
  const out: LinkContext[] = [];
  for (const server of model.servers) {
    for (const location of server.locations) {
      const pp = location.proxyPass;
      if (!pp) continue;
      const upstream = pp.upstream ? (model.upstreams.find((u) => u.name === pp.upstream) ?? null) : null;
      const matched = app !== null && appMatches(app, location, upstream);
      const notes: string[] = [];
      if (app && !matched) notes.push(`${app.kind} binds ${app.bind.value} (${app.bind.source}), not one of this location's upstream addresses (${targets(location, upstream).join(', ')}): its clocks are not compared here`);
      const values: ChainValue[] = [];
      if (edges.clientTimeout) values.push(chainValue('client', 'timeout', edges.clientTimeout));
      if (edges.lbIdle) values.push(chainValue('lb', 'idle timeout', edges.lbIdle));
      for (const name of NGINX_CLIENT_SIDE) values.push(chainValue('nginx', name, location.settings[name] as Setting));
      for (const name of NGINX_UPSTREAM_SIDE) values.push(chainValue('nginx', name, location.settings[name] as Setting));
      values.push(chainValue('nginx', 'proxy_set_header Connection', location.connectionHeader));
      if (upstream) {
        values.push(chainValue('nginx', `upstream ${upstream.name} keepalive`, upstream.keepalive.value === '' ? { ...upstream.keepalive, value: 'off' } : upstream.keepalive));
        values.push(chainValue('nginx', `upstream ${upstream.name} keepalive_timeout`, upstream.keepaliveTimeout));
        values.push(chainValue('nginx', `upstream ${upstream.name} keepalive_requests`, upstream.keepaliveRequests));
      }
      if (matched && app) values.push(...appValues(app));
      out.push({
        link: {
          server: server.name,
          listen: server.listen,
          location: location.match,
          location_source: location.source,
          proxy_pass: pp.url,
          upstream: pp.upstream,
          websocket: location.websocket,
          app_server: matched && app ? app.kind : null,
          values,
          notes,
        },
        server,
        location,
        upstream,
        app: matched ? app : null,
      });
    }
  }
  return out;
}

export function appValues(app: AppServer): ChainValue[] {
  const layer: Layer = app.kind;
  const vs: ChainValue[] = [chainValue(layer, app.kind === 'gunicorn' ? 'worker_class' : 'worker', app.workerClass), chainValue(layer, 'workers', app.workers)];
  if (app.model === 'threads') vs.push(chainValue(layer, 'threads', app.threads));
  if (app.timeout) vs.push(chainValue(layer, 'timeout', app.timeout));
  if (app.gracefulTimeout) vs.push(chainValue(layer, app.kind === 'gunicorn' ? 'graceful_timeout' : 'timeout_graceful_shutdown', app.gracefulTimeout));
  if (app.keepAlive) vs.push(chainValue(layer, app.kind === 'gunicorn' ? 'keepalive' : 'timeout_keep_alive', app.keepAlive));
  return vs;
}
