/**
 * A rule is data: id, severity, a one-line summary and the evidence it rests on (both feed the README
 * table, checked by a test), a generic fix, and a check that returns its hits with the compared
 * values, what fails, how it shows in the logs, and the fix for this config.
 */
import type { Setting } from '../../nginx-conf/model.js';
import { formatSeconds } from '../../nginx-conf/time.js';
import type { LinkContext } from '../chain.js';
import type { AppServer } from '../app-server/resolve.js';
import type { NginxModel } from '../../nginx-conf/model.js';
import type { ChainValue, Severity } from '../types.js';

export interface RuleInput {
  readonly links: readonly LinkContext[];
  readonly model: NginxModel;
  readonly app: AppServer | null;
  readonly lbIdle: Setting | null;
  /** How long the LB keeps an idle connection to nginx for reuse, when it is not lbIdle (HAProxy's pool-purge-delay) */
  readonly lbKeepIdle?: Setting | null;
  readonly clientTimeout: Setting | null;
}

export interface RuleHit {
  readonly server: string;
  readonly location: string;
  readonly values: readonly ChainValue[];
  readonly message: string;
  readonly fix: string;
}

export interface AuditRule {
  readonly id: string;
  readonly severity: Severity;
  readonly summary: string;
  /** Why the rule holds: the nginx/gunicorn/uvicorn behaviour it rests on. */
  readonly evidence: string;
  readonly fix: string;
  readonly check: (input: RuleInput) => RuleHit[];
}

export const secs = (s: number | null): string => (s === null ? '?' : formatSeconds(s));

/** Where a value came from, for messages: "65s (nginx.conf:27)". */
export const said = (s: Setting): string => `${s.value === '' ? 'off' : s.value} (${s.source})`;

/** Upstream keepalive connections are actually reused: a pool, HTTP/1.1, and the Connection header cleared. */
export function reusesUpstreamConnections(l: LinkContext): boolean {
  return (
    l.upstream !== null &&
    l.upstream.keepalive.value !== '' &&
    (l.location.settings['proxy_http_version'] as Setting).value === '1.1' &&
    l.location.connectionHeader.value === ''
  );
}

export const setting = (l: LinkContext, name: string): Setting => l.location.settings[name] as Setting;
