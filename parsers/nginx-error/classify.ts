/**
 * An error message → what it means for a lost request, as a table: the first rule that matches wins,
 * so more specific wordings come first (epoll_wait's "client prematurely closed … (104: Connection
 * reset by peer)" is the client's doing, not the upstream's).
 */
import type { NginxErrorKind } from './record.js';

export interface ClassifyRule {
  readonly kind: NginxErrorKind;
  readonly test: RegExp;
  /** The wording this rule is for, as nginx prints it. */
  readonly example: string;
}

export const CLASSIFY_RULES: readonly ClassifyRule[] = [
  { kind: 'client_closed', test: /client prematurely closed connection|client closed connection|epoll_wait\(\) reported that client prematurely closed/,
    example: 'epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too' },
  { kind: 'client_closed', test: /\(\d+: [^)]*\) while (?:sending (?:response )?to client|reading client request|sending to client)/,
    example: 'writev() failed (32: Broken pipe) while sending to client' },
  { kind: 'upstream_connect_timeout', test: /upstream timed out \(\d+: [^)]*\) while connecting to upstream/,
    example: 'upstream timed out (110: Connection timed out) while connecting to upstream' },
  { kind: 'upstream_send_timeout', test: /upstream timed out \(\d+: [^)]*\) while sending (?:request )?to upstream/,
    example: 'upstream timed out (110: Connection timed out) while sending request to upstream' },
  { kind: 'upstream_read_timeout', test: /upstream timed out \(\d+: [^)]*\) while reading/,
    example: 'upstream timed out (110: Connection timed out) while reading response header from upstream' },
  { kind: 'upstream_prematurely_closed', test: /upstream prematurely closed (?:connection|FastCGI stdout|request)/,
    example: 'upstream prematurely closed connection while reading response header from upstream' },
  { kind: 'upstream_refused', test: /connect\(\) (?:to \S+ )?failed \(111: Connection refused\)/,
    example: 'connect() failed (111: Connection refused) while connecting to upstream' },
  { kind: 'upstream_reset', test: /(?:recv|readv|writev|send|sendfile|SSL_read|SSL_write)\(\) failed \((?:104: Connection reset by peer|32: Broken pipe)\)/,
    example: 'recv() failed (104: Connection reset by peer) while reading response header from upstream' },
  { kind: 'no_live_upstreams', test: /no live upstreams/,
    example: 'no live upstreams while connecting to upstream' },
  { kind: 'body_too_large', test: /client intended to send too large (?:chunked )?body/,
    example: 'client intended to send too large body: 10485761 bytes' },
  { kind: 'header_too_big', test: /upstream sent too big header/,
    example: 'upstream sent too big header while reading response header from upstream' },
  { kind: 'worker_lifecycle',
    test: /^(?:start worker process(?:es)?\b|worker process \d+ exited|signal \d+ \(SIG\w+\) received|gracefully shutting down|exiting$|exit$|reconfiguring|using the "\w+" event method|signal process started|reopening logs|start (?:cache manager|cache loader) process|cache loader process \d+ exited|nginx\/\d|built by |OS: |getrlimit\(RLIMIT_NOFILE\)|start worker processes|shutting down|worker process is shutting down|sigsuspend|changing configuration file)/,
    example: 'worker process 1234 exited with code 0' },
];

export function classifyNginxError(message: string): NginxErrorKind {
  for (const rule of CLASSIFY_RULES) if (rule.test.test(message)) return rule.kind;
  return 'other';
}

/** errno in "(110: Connection timed out)", the first one in the message. */
export function findErrno(message: string): number | null {
  const m = /\((\d{1,5}): [^)]*\)/.exec(message);
  return m ? Number(m[1]) : null;
}
