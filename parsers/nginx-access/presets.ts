/**
 * Well-known access-log formats as plain nginx `log_format` strings: a preset is data, compiled by the
 * same compile.ts as the user's own format (GoAccess keeps its presets the same way).
 */
import type { AccessFormat } from './compile.js';

export const PRESETS = {
  /** nginx's built-in default. */
  combined:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  /** The `main` format of the stock nginx.conf (Debian, the official Docker image): combined + XFF. */
  main:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
  /** NCSA Common Log Format. */
  common: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
  /** ingress-nginx's default `log-format-upstream`. */
  upstreaminfo:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  /** The timing format from nginx's "Using NGINX Logging for Application Performance Monitoring" post. */
  upstream_time:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time"',
} as const;

export type PresetName = keyof typeof PRESETS;

/** A preset as the access format of a file: presets are all written with nginx's default escaping. */
export function presetAccessFormat(name: PresetName): AccessFormat {
  return { format: PRESETS[name], escape: 'default' };
}

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
