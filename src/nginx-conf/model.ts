/**
 * The effective nginx configuration: per server and per location, every value the audit compares,
 * each with where it came from (file:line) or "default". Built by effective.ts from the tree.
 */
import type { ErrorLevel } from './directives.js';
import type { AccessFormat } from '../../parsers/nginx-access/compile.js';

export interface Setting {
  /** As written in nginx.conf (all arguments joined by a space), or nginx's default. */
  readonly value: string;
  /** For time values: seconds; null for everything else. */
  readonly seconds: number | null;
  /** "file:line", or "default" (with a note in parentheses where the default depends on the version). */
  readonly source: string;
}

export interface HeaderSetting {
  readonly name: string;
  readonly value: string;
  readonly source: string;
}

export interface AccessLog {
  /** "off" when access logging is switched off. */
  readonly path: string;
  readonly format: string;
  readonly source: string;
}

export interface ErrorLog {
  readonly path: string;
  readonly level: ErrorLevel;
  readonly source: string;
}

/** A `log_format` directive: its access format (the strings concatenated, as nginx does) and where it stands. */
export interface LogFormat extends AccessFormat {
  readonly name: string;
  readonly source: string;
}

export interface Upstream {
  readonly name: string;
  readonly source: string;
  readonly servers: readonly { readonly address: string; readonly source: string }[];
  /** `keepalive N`: the idle-connection pool; value "" with source "default" when there is none. */
  readonly keepalive: Setting;
  readonly keepaliveTimeout: Setting;
  readonly keepaliveRequests: Setting;
}

export interface ProxyPass {
  readonly url: string;
  /** The upstream{} block it names, or null for a direct address (no pool, no keepalive). */
  readonly upstream: string | null;
  /** host:port or unix:path of the direct target, or the upstream's name. */
  readonly target: string;
  readonly source: string;
}

/** Everything that inherits down the http → server → location chain. */
export interface Scope {
  readonly settings: Readonly<Record<string, Setting>>;
  /** proxy_set_header in effect (an array: one at a level replaces all inherited ones). */
  readonly headers: readonly HeaderSetting[];
  readonly accessLogs: readonly AccessLog[];
  readonly errorLogs: readonly ErrorLog[];
}

export interface Location extends Scope {
  /** As written after `location`: "/", "= /healthz", "~ ^/api/", "@fallback". */
  readonly match: string;
  readonly modifier: '' | '=' | '~' | '~*' | '^~' | '@';
  readonly uri: string;
  readonly source: string;
  /** The enclosing location's match, for nested locations. */
  readonly parent: string | null;
  readonly proxyPass: ProxyPass | null;
  /** The Connection header nginx sends upstream: nginx's default is "close". */
  readonly connectionHeader: Setting;
  /** Proxies WebSocket upgrades (Upgrade $http_upgrade plus an upgrading Connection header). */
  readonly websocket: boolean;
}

export interface Server extends Scope {
  /** First server_name, or "listen <addr>" when it has none. */
  readonly name: string;
  readonly names: readonly string[];
  readonly listen: readonly string[];
  readonly source: string;
  readonly locations: readonly Location[];
}

export interface NginxModel {
  readonly main: string;
  readonly files: readonly string[];
  readonly servers: readonly Server[];
  readonly upstreams: readonly Upstream[];
  readonly logFormats: readonly LogFormat[];
}
