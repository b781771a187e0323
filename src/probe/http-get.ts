/**
 * One GET for the probe, on node:http(s) rather than fetch: the probe must tell which phase a
 * timeout hit (connect, headers, body), and fetch hides when the TCP connection came up. A fresh
 * connection per request (no agent): a pooled idle connection would mix the LB's and nginx's idle
 * clocks into the slow-response clock being measured. The body is handed over as a stream for the
 * caller to count and discard, never buffered here.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeResponse {
  readonly status: number;
  /** Chunks as they arrive; iterate to read, stop iterating to drop the rest. */
  readonly body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface ProbeRequestInit {
  readonly signal: AbortSignal;
  /** Called once the TCP (or TLS) connection is up: the connect phase is over. */
  readonly onConnected?: () => void;
}

export function httpGet(url: string, init: ProbeRequestInit): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method: 'GET', agent: false, signal: init.signal, headers: { 'user-agent': 'droptrace-probe' } }, (res: IncomingMessage) => {
      resolve({ status: res.statusCode ?? 0, body: res });
    });
    req.once('socket', (socket) => {
      const connected = (): void => init.onConnected?.();
      const event = u.protocol === 'https:' ? 'secureConnect' : 'connect';
      if ((socket as { connecting?: boolean }).connecting === false && event === 'connect') connected();
      else socket.once(event, connected);
    });
    // `on`, not `once`: after the response, an abort (client timeout, the body cap) may still emit one
    req.on('error', reject);
    req.end();
  });
}
