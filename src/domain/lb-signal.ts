/**
 * What a load balancer's own line says ended a request, per vendor: the client leaving, the LB's own
 * clock, the connection to nginx, no target at all, or an answer. Read by the correlation's LB pass
 * (correlate/lb-classify.ts) and by the report, which must not blame the LB's timeout for a pile of
 * requests whose LB lines say the client closed.
 */

/** The LB line's fields the reading needs (an lb_access row). */
export interface LbLineFacts {
  readonly kind: 'alb' | 'elb' | 'gcp' | 'haproxy' | 'cloudflare';
  readonly status: number | null;
  readonly target_status: number | null;
  readonly target: string | null;
  readonly termination: string | null;
}

export type LbSignal = 'client_gave_up' | 'lb_timeout' | 'upstream_error' | 'unavailable' | 'answered';

export const LB_VENDOR: Record<LbLineFacts['kind'], string> = { alb: 'the ALB', elb: 'the ELB', gcp: 'the GCP load balancer', haproxy: 'HAProxy', cloudflare: 'Cloudflare' };

/** What the LB's own line says ended the request. */
export function lbSignal(l: LbLineFacts): LbSignal {
  const t = l.termination ?? '';
  switch (l.kind) {
    case 'alb':
    case 'elb':
      if (l.status === 460) return 'client_gave_up';
      if (l.status === 504 && l.target_status === null) return 'lb_timeout';
      if (l.status === 503 && l.target_status === null) return 'unavailable';
      if (l.status === 502 && l.target_status === null) return 'upstream_error';
      return 'answered';
    case 'haproxy': {
      const who = t[0] ?? '-';
      if (l.target !== null && l.target.endsWith('/<NOSRV>') && l.status === 503) return 'unavailable';
      if (who === 'C' || who === 'c') return 'client_gave_up';
      // Second letter C: the connection to the server never came up (refused, or its connect timeout).
      if ((who === 'S' || who === 's') && t[1] === 'C') return 'unavailable';
      if (who === 's') return 'lb_timeout';
      if (who === 'S') return 'upstream_error';
      return 'answered';
    }
    case 'gcp':
      if (t.startsWith('client_disconnected') || t.startsWith('client_timed_out')) return 'client_gave_up';
      if (t === 'backend_timeout' || t.startsWith('backend_timeout')) return 'lb_timeout';
      if (t === 'failed_to_pick_backend' || t === 'failed_to_connect_to_backend' || t.startsWith('failed_to_pick_backend')) return 'unavailable';
      if (t.startsWith('backend_connection_closed') || t.startsWith('backend_early_response') || t === 'backend_reset') return 'upstream_error';
      return 'answered';
    case 'cloudflare':
      if (l.status === 499) return 'client_gave_up';
      if (l.status === 524) return 'lb_timeout';
      if (l.status === 521 || l.status === 522 || l.status === 523) return 'unavailable';
      if (l.status === 520) return 'upstream_error';
      return 'answered';
  }
}

