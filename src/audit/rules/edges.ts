/** Rules about the clocks in front of nginx: the load balancer's idle timeout and the client's own timeout. */
import { chainValue } from '../chain.js';
import type { Setting } from '../../nginx-conf/model.js';
import { said, secs, setting, type AuditRule, type RuleHit } from './rule.js';

export const lbIdleAboveNginxKeepalive: AuditRule = {
  id: 'lb-idle-above-nginx-keepalive',
  severity: 'error',
  summary: "The load balancer keeps idle connections to nginx open longer than nginx's keepalive_timeout.",
  evidence:
    'nginx closes an idle client connection after keepalive_timeout (default 75s); an LB that still thinks it is open sends the next request into a closed socket. AWS, GCP and Azure LBs all document that the backend keep-alive must exceed the LB idle timeout.',
  fix: 'Set keepalive_timeout above the LB idle timeout (e.g. LB 60s → keepalive_timeout 75s).',
  check({ model, lbIdle: wait, lbKeepIdle }) {
    // A cloud LB's idle timeout bounds both; HAProxy keeps idle server connections up to pool-purge-delay.
    const lbIdle = lbKeepIdle ?? wait;
    if (!lbIdle || lbIdle.seconds === null) return [];
    const label = lbKeepIdle ? 'idle connection reuse' : 'idle timeout';
    const hits: RuleHit[] = [];
    for (const srv of model.servers) {
      const ka = srv.settings['keepalive_timeout'] as Setting;
      // keepalive_timeout 0 disables keep-alive: nginx answers "Connection: close" and the LB does not reuse.
      if (ka.seconds === null || ka.seconds === 0 || lbIdle.seconds < ka.seconds) continue;
      hits.push({
        server: srv.name,
        location: '*',
        values: [chainValue('lb', label, lbIdle), chainValue('nginx', 'keepalive_timeout', ka)],
        message:
          `The LB keeps an idle connection to nginx for ${secs(lbIdle.seconds)}, nginx closes it after ${said(ka)}. ` +
          `A request the LB sends on a connection idle between ${secs(ka.seconds)} and ${secs(lbIdle.seconds)} meets a closed socket: the client gets a 502 from the LB ` +
          `and nginx has no access-log line for it (ALB logs it as a 502 with target_status "-").`,
        fix: `Set \`keepalive_timeout ${secs(lbIdle.seconds + 15)};\` in server ${srv.name} (above the LB idle timeout), or lower the LB idle timeout below ${secs(ka.seconds)}.`,
      });
    }
    return hits;
  },
};

export const lbIdleBelowProxyRead: AuditRule = {
  id: 'lb-idle-below-proxy-read',
  severity: 'warn',
  summary: 'The load balancer gives up on a silent response before nginx does.',
  evidence:
    'An LB idle timeout also bounds the wait for the first response byte. When it is shorter than proxy_read_timeout the LB answers 504 itself while nginx and the worker keep going; nginx then logs 499 when the LB hangs up.',
  fix: 'Raise the LB idle timeout above proxy_read_timeout, or lower proxy_read_timeout below it.',
  check({ links, lbIdle }) {
    if (!lbIdle || lbIdle.seconds === null) return [];
    const idle = lbIdle.seconds;
    return links.flatMap((l): RuleHit[] => {
      const pr = setting(l, 'proxy_read_timeout');
      if (pr.seconds === null || pr.seconds <= idle) return [];
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('lb', 'idle timeout', lbIdle), chainValue('nginx', 'proxy_read_timeout', pr)],
          message:
            `A response slower than ${secs(idle)} is cut by the LB (504 to the client) although nginx would wait ${said(pr)}. ` +
            `nginx logs 499 with $request_time ≈ ${secs(idle)} (error log at info: "client prematurely closed connection"); the app finishes the work for nobody.`,
          fix: `Raise the LB idle timeout above ${secs(pr.seconds)} (e.g. ${secs(pr.seconds + 5)}), or set \`proxy_read_timeout ${secs(Math.max(1, idle - 5))};\` in ${l.link.location} so nginx answers first.`,
        },
      ];
    });
  },
};

export const clientTimeoutBelowProxyRead: AuditRule = {
  id: 'client-timeout-below-proxy-read',
  severity: 'warn',
  summary: "The client's own timeout is shorter than nginx's proxy_read_timeout.",
  evidence: 'nginx logs status 499 when the client closes the connection before the response; the upstream request is not cancelled (proxy_ignore_client_abort off only stops nginx reading).',
  fix: 'Raise the client timeout above proxy_read_timeout, or lower proxy_read_timeout so nginx answers (504) before the client gives up.',
  check({ links, clientTimeout }) {
    if (!clientTimeout || clientTimeout.seconds === null) return [];
    const c = clientTimeout.seconds;
    return links.flatMap((l): RuleHit[] => {
      const pr = setting(l, 'proxy_read_timeout');
      if (pr.seconds === null || pr.seconds <= c) return [];
      return [
        {
          server: l.link.server,
          location: l.link.location,
          values: [chainValue('client', 'timeout', clientTimeout), chainValue('nginx', 'proxy_read_timeout', pr)],
          message: `The client gives up after ${secs(c)}, nginx would wait ${said(pr)}: slow requests show as 499 with $request_time ≈ ${secs(c)} in nginx, and the worker finishes (or times out) later for nobody.`,
          fix: `Raise the client timeout above ${secs(pr.seconds)}, or set \`proxy_read_timeout ${secs(Math.max(1, c - 2))};\` in ${l.link.location}.`,
        },
      ];
    });
  },
};
