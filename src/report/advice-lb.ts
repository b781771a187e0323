/**
 * Recommendations when the load balancer's clock fired: its idle/backend timeout cutting requests
 * before nginx answered (lb_timeout), its keep-alive race with nginx (lb_upstream_error with
 * keepalive_race), and no healthy target (lb_unavailable). Each names the LB's own setting, per
 * vendor where the pile's size says which default it is.
 */
import type { Fingerprint, Recommendation, RequestRef } from './types.js';

export interface LbAdviceInput {
  readonly fingerprints: readonly Fingerprint[];
  /** lb_upstream_error requests flagged keepalive_race: how many, and the first ones */
  readonly lbRaces: { readonly count: number; readonly requests: readonly RequestRef[] };
  /** lb_unavailable requests: how many, and the first ones */
  readonly unavailable: { readonly count: number; readonly requests: readonly RequestRef[] };
}

/** The LB setting behind a pile of lb_timeout requests at `s` seconds. */
export function lbTimeoutKnob(s: number): string {
  if (Math.abs(s - 60) <= 1.5) return 'the load balancer\'s idle timeout (AWS ALB/ELB default 60 s: idle_timeout.timeout_seconds)';
  if (Math.abs(s - 30) <= 1.5) return 'the GCP backend service timeout (default 30 s: timeoutSec)';
  if (Math.abs(s - 100) <= 2) return 'Cloudflare\'s proxy read timeout (100 s; 524)';
  return `the load balancer's timeout set to ≈${s} s (ALB idle timeout, HAProxy timeout server, GCP backend service timeoutSec)`;
}

export function buildLbRecommendations(a: LbAdviceInput): Recommendation[] {
  const out: Recommendation[] = [];
  for (const c of a.fingerprints.find((f) => f.verdict === 'lb_timeout')?.clusters ?? []) {
    const s = c.center_s;
    out.push({
      id: 'lb-timeout',
      title: `The load balancer's timeout (≈${s} s) cut ${c.count} request(s) before nginx answered`,
      detail: `${lbTimeoutKnob(s)} fired first: the LB answered the client itself (504/524) and closed, nginx logged 499 and the app's work went to nobody. ` +
        'Raise the LB\'s timeout above nginx\'s proxy_read_timeout for these endpoints, or make them answer sooner; ' +
        'the chain should fire innermost first: gunicorn --timeout < nginx proxy_read_timeout < the LB\'s timeout.',
      lines: [
        // The logs show the LB's clock, not nginx's proxy_read_timeout: the value is the reader's, above it.
        'aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> --attributes Key=idle_timeout.timeout_seconds,Value=<above proxy_read_timeout>  # ALB',
        'timeout server <above proxy_read_timeout>  # HAProxy, in the backend in front of nginx',
        'gcloud compute backend-services update <name> --timeout=<above proxy_read_timeout>  # GCP',
        // No lower proxy_read_timeout here (issue 15): it would only turn the client's error into nginx's 504.
      ],
      changes: [{
        directive: lbTimeoutKnob(s), where: "the load balancer's settings", now: `≈${s} s (the pile)`, set: "above nginx's proxy_read_timeout and the slowest legitimate answer",
        why: 'the LB answered the client itself while nginx and the app kept working for nobody',
      }],
      evidence: c.examples.slice(0, 5),
    });
  }
  if (a.lbRaces.count > 0) {
    out.push({
      id: 'lb-keepalive-race',
      title: `${a.lbRaces.count} request(s) hit the keep-alive race between the load balancer and nginx`,
      detail: 'The LB reused an idle connection to nginx just as nginx\'s keepalive_timeout closed it: the LB answered 502 and nginx logged nothing. ' +
        'nginx\'s keepalive_timeout must be longer than the LB\'s idle timeout (ALB 60 s, HAProxy timeout http-keep-alive/server), so the LB always closes first.',
      lines: ['keepalive_timeout 75s;  # nginx, in the server the LB talks to: longer than the LB\'s idle timeout'],
      changes: [{ directive: 'keepalive_timeout (nginx, the server the LB talks to)', where: 'nginx.conf', now: 'shorter than the LB\'s idle timeout', set: '75s', why: 'the LB must close an idle connection first' }],
      evidence: a.lbRaces.requests.slice(0, 5),
    });
  }
  if (a.unavailable.count > 0) {
    out.push({
      id: 'lb-no-target',
      title: `${a.unavailable.count} request(s) found no healthy target at the load balancer`,
      detail: 'The LB answered 503 (or 521/522) itself: every nginx behind it was failing its health check or refusing connections. nginx never saw these requests; look at the health check and nginx\'s availability at those times.',
      lines: [],
      changes: [{ directive: "the load balancer's health check", where: "the load balancer's target group / backend service", now: 'every target unhealthy or refusing at those times', set: 'unchanged: find why nginx failed it', why: 'the LB answered 503 itself; nginx never saw these requests' }],
      evidence: a.unavailable.requests.slice(0, 5),
    });
  }
  return out;
}

