/** The rows the load balancer pass reads (store/sql/lb.ts SELECT_LB_FOR_PASS, SELECT_NGINX_FOR_LB). */
import type { Verdict } from '../domain/verdicts.js';

export interface LbPassRow {
  readonly id: number;
  readonly kind: 'alb' | 'elb' | 'gcp' | 'haproxy' | 'cloudflare';
  readonly time_ms: number;
  readonly start_ms: number | null;
  readonly client_addr: string | null;
  readonly client_port: number | null;
  readonly target: string | null;
  readonly local_addr: string | null;
  readonly local_port: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly target_status: number | null;
  readonly elapsed_ms: number | null;
  readonly target_ms: number | null;
  readonly connect_ms: number | null;
  readonly termination: string | null;
  readonly trace_id: string | null;
  readonly request_id: string | null;
  readonly extra: string | null;
}

export interface NginxForLbRow {
  readonly id: number;
  readonly start_ms: number | null;
  readonly end_ms: number;
  readonly verdict: Verdict;
  readonly silent: number;
  readonly explanation: string;
  readonly app_completed: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly remote_addr: string | null;
  readonly request_id: string | null;
  readonly forwarded_for: string | null;
  readonly remote_port: string | number | null;
  readonly amzn_trace_id: string | null;
}
