/**
 * What one load balancer's line says about one request, whichever LB wrote it (AWS ALB, classic ELB,
 * GCP's external HTTP(S) LB, HAProxy, Cloudflare). The vendors measure different stretches of a
 * request: each field says which, and a field a vendor does not log is null, never guessed.
 */
import type { DurationMs, EpochMs } from '../../src/domain/units.js';

export type LbKind = 'alb' | 'elb' | 'gcp' | 'haproxy' | 'cloudflare';

export interface LbRecord {
  readonly kind: LbKind;
  /** When the LB finished with the request (its log time, or start + total for HAProxy) */
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  /** When the LB received it, where the line says (ALB request_creation_time, HAProxy's date, Cloudflare's EdgeStartTimestamp) */
  readonly startTime: EpochMs | null;
  /** Client → LB: the client's (or the proxy in front's) address and port */
  readonly clientAddr: string | null;
  readonly clientPort: number | null;
  /** LB → target: the target's address and port (ALB/ELB/GCP serverIp) */
  readonly targetAddr: string | null;
  readonly targetPort: number | null;
  /** The target's name where the LB names it (HAProxy backend/server; `<NOSRV>` when none was chosen) */
  readonly target: string | null;
  /** The LB's own source address:port toward the target, where a log-format logs it (HAProxy %bi:%bp) */
  readonly localAddr: string | null;
  readonly localPort: number | null;
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly protocol: string | null;
  /** What the LB answered the client; null when it answered nothing ("-") */
  readonly status: number | null;
  /** What the target answered the LB; null when it answered nothing ("-", 0) */
  readonly targetStatus: number | null;
  /** Total time at the LB, start to end (HAProxy Ta/Tt, GCP latency, sum of the ALB's three) */
  readonly elapsed: DurationMs | null;
  /** Time the target took to answer (ALB target_processing_time, HAProxy Tr); null for -1 */
  readonly targetTime: DurationMs | null;
  /** Time to connect to the target (HAProxy Tc); null for -1 or not logged */
  readonly connectTime: DurationMs | null;
  /** How the LB ended it: HAProxy's termination state, GCP's statusDetails, ALB's error_reason */
  readonly termination: string | null;
  /** ALB/ELB `X-Amzn-Trace-Id` (Root=…), GCP trace, Cloudflare RayID */
  readonly traceId: string | null;
  /** A request id the LB logged (HAProxy %ID, a captured X-Request-ID) */
  readonly requestId: string | null;
  readonly userAgent: string | null;
  readonly receivedBytes: number | null;
  readonly sentBytes: number | null;
  /** Every other field the line carries, by the vendor's name */
  readonly extra: Readonly<Record<string, string>>;
}
