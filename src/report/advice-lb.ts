/**
 * Recommendations when the load balancer's clock fired: its idle/backend timeout cutting requests
 * before nginx answered (lb_timeout), its keep-alive race with nginx (lb_upstream_error with
 * keepalive_race), and no healthy target (lb_unavailable). Each names the LB's own setting: with
 * file:line where the audit read its config (`--haproxy-conf`), else by its name for the LB whose
 * lines were read (HAProxy `timeout server`, ALB `idle_timeout.timeout_seconds`, …), and only when
 * neither is known, every vendor's, the pile's size saying which default it may be.
 */
import type { Fingerprint, Recommendation, RequestRef, SettingChange } from './types.js';
import type { ChainModel } from './chain-model.js';

/** Each load balancer's own settings: the timeout that cuts a slow answer, its health check. */
interface LbSettings {
  readonly name: string;
  /** the setting that bounds the wait for nginx's answer, and where it lives */
  readonly timeout: { readonly setting: string; readonly where: string; readonly line: string | null };
  readonly health: { readonly setting: string; readonly where: string };
}

const ABOVE = '<above proxy_read_timeout>';

const LB_SETTINGS: Readonly<Record<string, LbSettings>> = {
  haproxy: {
    name: 'HAProxy',
    timeout: { setting: 'timeout server', where: 'haproxy.cfg: the backend that sends to nginx, or the defaults section it takes it from (give --haproxy-conf to cite file:line)', line: `timeout server ${ABOVE}  # HAProxy, in the backend in front of nginx` },
    health: { setting: 'the `check` on the backend\'s server lines (option httpchk)', where: 'haproxy.cfg: the backend in front of nginx' },
  },
  alb: {
    name: 'AWS ALB',
    timeout: { setting: 'idle_timeout.timeout_seconds (load balancer attribute)', where: 'the ALB\'s attributes (aws elbv2 describe-load-balancer-attributes)', line: `aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> --attributes Key=idle_timeout.timeout_seconds,Value=${ABOVE}  # ALB` },
    health: { setting: 'the target group\'s health check', where: 'the target group (aws elbv2 describe-target-health)' },
  },
  elb: {
    name: 'AWS classic ELB',
    timeout: { setting: 'ConnectionSettings.IdleTimeout', where: 'the ELB\'s attributes (aws elb describe-load-balancer-attributes)', line: `aws elb modify-load-balancer-attributes --load-balancer-name <name> --load-balancer-attributes '{"ConnectionSettings":{"IdleTimeout":${ABOVE}}}'  # classic ELB` },
    health: { setting: 'the health check', where: 'the ELB (aws elb describe-instance-health)' },
  },
  gcp: {
    name: 'GCP load balancer',
    timeout: { setting: 'timeoutSec (backend service)', where: 'the backend service (gcloud compute backend-services describe <name>)', line: `gcloud compute backend-services update <name> --timeout=${ABOVE}  # GCP` },
    health: { setting: 'the backend service\'s health check', where: 'the backend service (gcloud compute backend-services get-health <name>)' },
  },
  cloudflare: {
    name: 'Cloudflare',
    timeout: { setting: 'Proxy Read Timeout (100 s; raised only on Enterprise)', where: 'the zone\'s settings (proxy_read_timeout)', line: null },
    health: { setting: 'the origin\'s reachability (521 refused, 522 timed out, 523 unreachable)', where: 'the origin\'s firewall and DNS records' },
  },
};

export interface LbAdviceInput {
  readonly fingerprints: readonly Fingerprint[];
  /** lb_upstream_error requests flagged keepalive_race: how many, and the first ones */
  readonly lbRaces: { readonly count: number; readonly requests: readonly RequestRef[] };
  /** lb_unavailable requests: how many, and the first ones */
  readonly unavailable: { readonly count: number; readonly requests: readonly RequestRef[] };
  /** the kinds of load balancer whose lines were read (lb_access.kind), commonest first */
  readonly lbKinds?: readonly string[];
  /** the chain: the LB's timeout and nginx's keepalive_timeout with file:line where the audit read the configs */
  readonly chain?: ChainModel;
}

/** A value the audit read from a config file or a flag, not a default it assumed. */
const configured = (source: string): boolean => !source.startsWith('default');

/** The LB setting behind a pile of lb_timeout requests at `s` seconds. */
export function lbTimeoutKnob(s: number): string {
  if (Math.abs(s - 60) <= 1.5) return 'the load balancer\'s idle timeout (AWS ALB/ELB default 60 s: idle_timeout.timeout_seconds)';
  if (Math.abs(s - 30) <= 1.5) return 'the GCP backend service timeout (default 30 s: timeoutSec)';
  if (Math.abs(s - 100) <= 2) return 'Cloudflare\'s proxy read timeout (100 s; 524)';
  return `the load balancer's timeout set to ≈${s} s (ALB idle timeout, HAProxy timeout server, GCP backend service timeoutSec)`;
}

export function buildLbRecommendations(a: LbAdviceInput): Recommendation[] {
  const out: Recommendation[] = [];
  const kinds = (a.lbKinds ?? []).map((k) => LB_SETTINGS[k]).filter((k): k is LbSettings => k !== undefined);
  const lbIdle = a.chain?.lb_idle ?? null;
  for (const c of a.fingerprints.find((f) => f.verdict === 'lb_timeout')?.clusters ?? []) {
    const s = c.center_s;
    // The audited setting is the clock of this pile only where its value is the pile's.
    const audited = lbIdle !== null && configured(lbIdle.source) && lbIdle.value_s !== null && Math.abs(lbIdle.value_s - s) <= 1.5 ? lbIdle : null;
    const named = audited ? `${kinds.length === 1 ? `${kinds[0]!.name}'s ` : ''}${audited.value} (${audited.source})`
      : kinds.length > 0 ? kinds.map((k) => `${k.name}'s ${k.timeout.setting}`).join(' or ') : lbTimeoutKnob(s);
    const lines = kinds.length > 0 ? kinds.map((k) => k.timeout.line).filter((l): l is string => l !== null) : [
      LB_SETTINGS['alb']!.timeout.line!, LB_SETTINGS['haproxy']!.timeout.line!, LB_SETTINGS['gcp']!.timeout.line!,
    ];
    const change: SettingChange = audited
      ? { directive: audited.value, where: audited.source, now: `${audited.value_s} s (the pile: ≈${s} s)`, set: "above nginx's proxy_read_timeout and the slowest legitimate answer", why: LB_ANSWERED }
      : kinds.length > 0
        ? { directive: kinds.map((k) => `${k.timeout.setting} (${k.name})`).join(' / '), where: kinds.map((k) => k.timeout.where).join('; '), now: `≈${s} s (the pile)${lbIdleNote(lbIdle, s)}`, set: "above nginx's proxy_read_timeout and the slowest legitimate answer", why: LB_ANSWERED }
        : { directive: lbTimeoutKnob(s), where: "the load balancer's settings (its kind is not in these logs)", now: `≈${s} s (the pile)`, set: "above nginx's proxy_read_timeout and the slowest legitimate answer", why: LB_ANSWERED };
    out.push({
      id: 'lb-timeout',
      title: `The load balancer's timeout (≈${s} s) cut ${c.count} request(s) before nginx answered`,
      detail: `${named} fired first: the LB answered the client itself (504/524) and closed, nginx logged 499 and the app's work went to nobody. ` +
        'Raise the LB\'s timeout above nginx\'s proxy_read_timeout for these endpoints, or make them answer sooner; ' +
        'the chain should fire innermost first: gunicorn --timeout < nginx proxy_read_timeout < the LB\'s timeout.',
      // The logs show the LB's clock, not nginx's proxy_read_timeout: the value is the reader's, above it.
      // No lower proxy_read_timeout here (issue 15): it would only turn the client's error into nginx's 504.
      lines: audited && kinds.length === 1 && kinds[0]!.timeout.line !== null ? [`${kinds[0]!.timeout.line.replace(/ {2}#.*$/, '')}  # ${audited.source}, now ${audited.value}`] : lines,
      changes: [change],
      evidence: c.examples.slice(0, 5),
    });
  }
  if (a.lbRaces.count > 0) {
    const ka = a.chain?.keepalive_timeout ?? null;
    const kaKnown = ka !== null && configured(ka.source);
    const lbIdleText = kinds.some((k) => k === LB_SETTINGS['haproxy']) ? 'HAProxy keeps idle connections to nginx up to pool-purge-delay (5 s unless set) and timeout http-keep-alive'
      : kinds.length > 0 ? kinds.map((k) => `${k.name}: ${k.timeout.setting}`).join('; ') : 'ALB 60 s, HAProxy timeout http-keep-alive/server';
    out.push({
      id: 'lb-keepalive-race',
      title: `${a.lbRaces.count} request(s) hit the keep-alive race between the load balancer and nginx`,
      detail: 'The LB reused an idle connection to nginx just as nginx\'s keepalive_timeout closed it: the LB answered 502 and nginx logged nothing. ' +
        `nginx's keepalive_timeout must be longer than the LB's idle timeout (${lbIdleText}), so the LB always closes first.`,
      lines: ['keepalive_timeout 75s;  # nginx, in the server the LB talks to: longer than the LB\'s idle timeout'],
      changes: [{
        directive: 'keepalive_timeout (nginx, the server the LB talks to)',
        where: kaKnown ? ka.source : 'nginx.conf: the server the LB talks to (give --nginx-conf to cite file:line)',
        now: kaKnown ? `${ka.value}: shorter than the LB's idle timeout` : 'shorter than the LB\'s idle timeout', set: '75s', why: 'the LB must close an idle connection first',
      }],
      evidence: a.lbRaces.requests.slice(0, 5),
    });
  }
  if (a.unavailable.count > 0) {
    out.push({
      id: 'lb-no-target',
      title: `${a.unavailable.count} request(s) found no healthy target at the load balancer`,
      detail: 'The LB answered 503 (or 521/522) itself: every nginx behind it was failing its health check or refusing connections. nginx never saw these requests; look at the health check and nginx\'s availability at those times.',
      lines: [],
      changes: [kinds.length > 0
        ? { directive: kinds.map((k) => `${k.health.setting} (${k.name})`).join(' / '), where: kinds.map((k) => k.health.where).join('; '), now: 'every target unhealthy or refusing at those times', set: 'unchanged: find why nginx failed it', why: 'the LB answered 503 itself; nginx never saw these requests' }
        : { directive: "the load balancer's health check", where: "the load balancer's target group / backend service", now: 'every target unhealthy or refusing at those times', set: 'unchanged: find why nginx failed it', why: 'the LB answered 503 itself; nginx never saw these requests' }],
      evidence: a.unavailable.requests.slice(0, 5),
    });
  }
  return out;
}

const LB_ANSWERED = 'the LB answered the client itself while nginx and the app kept working for nobody';

/** The audited LB timeout, when it is not the pile's clock: said beside the pile, so the reader sees both. */
function lbIdleNote(lbIdle: ChainModel['lb_idle'], s: number): string {
  if (lbIdle === null || !configured(lbIdle.source) || lbIdle.value_s === null) return '';
  return `; the audited ${lbIdle.value} (${lbIdle.source}) is ${lbIdle.value_s} s, not this clock`;
}
