/** What one nginx error-log record says. */
import type { EpochMs } from '../../src/domain/units.js';

export type NginxErrorLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit' | 'alert' | 'emerg';

/** The message classified into what matters for a lost request. */
export type NginxErrorKind =
  | 'upstream_read_timeout'      // upstream timed out (110: ...) while reading response header from upstream
  | 'upstream_send_timeout'      // ... while sending request to upstream
  | 'upstream_connect_timeout'   // ... while connecting to upstream
  | 'upstream_prematurely_closed'// upstream prematurely closed connection while reading response header
  | 'upstream_refused'           // connect() failed (111: Connection refused) while connecting to upstream
  | 'upstream_reset'             // recv() failed (104: Connection reset by peer) / readv() / writev() reset
  | 'no_live_upstreams'          // no live upstreams while connecting to upstream
  | 'client_closed'              // client prematurely closed connection / client closed connection / epoll_wait() reported that client prematurely closed
  | 'body_too_large'             // client intended to send too large body
  | 'header_too_big'             // upstream sent too big header
  | 'worker_lifecycle'           // start worker process, worker process N exited, signal N received, gracefully shutting down, ...
  | 'other';

export interface NginxErrorRecord {
  readonly time: EpochMs | null;
  readonly timeText: string | null;
  readonly level: NginxErrorLevel;
  readonly pid: number | null;
  readonly tid: number | null;
  /** Connection id, "*123" → 123 */
  readonly cid: number | null;
  readonly message: string;
  readonly kind: NginxErrorKind;
  /** errno in "(110: Connection timed out)" */
  readonly errno: number | null;
  readonly client: string | null;
  readonly server: string | null;
  /** The request line from `request: "GET /x HTTP/1.1"` */
  readonly request: string | null;
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly upstream: string | null;
  readonly host: string | null;
  readonly referrer: string | null;
}
