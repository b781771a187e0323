/**
 * The shard overlap: the chain's longest request clock. A request that ended in a window started at
 * most that long before it (nginx, the LB or the client gave up by then), and its app server went on
 * at most that long after its start (gunicorn's --timeout, its graceful_timeout on a restart), so
 * rows that far either side of the window hold all of its evidence. Read from the configs the run
 * was given (the audit's chain, src/audit/), each layer not given by its documented default.
 * Keep-alive clocks are left out: they time idle connections between requests, not a request.
 */
import { runAudit, type AuditOptions } from '../audit/audit.js';
import { appValues } from '../audit/chain.js';
import type { ChainValue, Layer } from '../audit/types.js';
import { UsageError } from '../domain/errors.js';
import { parseDurationArg } from '../domain/time-arg.js';

/** The inputs the chain is read from: the same flags `audit` and `analyze` take. */
export type ChainInputs = Pick<AuditOptions, 'nginxConf' | 'gunicornConf' | 'cmd' | 'lbIdleTimeout' | 'lbProvider' | 'haproxyConf'>;

export interface OverlapChoice {
  readonly ms: number;
  /** one line: which clock it is and where it is set, or that --overlap said so */
  readonly why: string;
}

/** The clocks that bound one request's life, as the audit's chain names them per layer. */
const REQUEST_CLOCKS: Readonly<Record<Layer, readonly string[]>> = {
  client: ['timeout'],
  lb: ['idle timeout'],
  nginx: ['proxy_connect_timeout', 'proxy_send_timeout', 'proxy_read_timeout', 'proxy_next_upstream_timeout', 'client_header_timeout', 'client_body_timeout', 'send_timeout'],
  gunicorn: ['timeout', 'graceful_timeout'],
  uvicorn: ['timeout_graceful_shutdown'],
  app: [],
};

/** Each layer's default when no config of it was given (nginx 1.x and gunicorn 19–23 docs). */
const DEFAULT_CLOCKS: readonly ChainValue[] = [
  { layer: 'nginx', setting: 'proxy_read_timeout', value: '60s', value_s: 60, source: 'nginx\'s default' },
  { layer: 'gunicorn', setting: 'timeout', value: '30', value_s: 30, source: 'gunicorn\'s default' },
];

const label = (v: ChainValue) => `${v.layer} ${v.setting} ${v.value} (${v.source})`;

/**
 * `--overlap` when given; else the longest request clock of the chain the configs describe, the
 * layers without a config at their defaults. A config that cannot be read is a usage error: an
 * overlap guessed past it could cut a request's evidence.
 */
export function chooseOverlap(explicit: string | undefined, inputs: ChainInputs): OverlapChoice {
  if (explicit !== undefined) return { ms: parseDurationArg(explicit, '--overlap'), why: '--overlap' };
  const given = Object.values(inputs).some((v) => v !== undefined);
  const clocks: ChainValue[] = [];
  if (given) {
    const audit = runAudit(inputs);
    if (!audit.ok) {
      const e = audit.error;
      throw new UsageError(`the shard overlap is the chain's longest timeout, and the chain could not be read: ${e.where ? `${e.where}: ` : ''}${e.message} (fix: ${e.fix}, or give --overlap)`);
    }
    for (const l of audit.links) clocks.push(...l.link.values);
    if (audit.app !== null) clocks.push(...appValues(audit.app));
  }
  const counted = clocks.filter((v) => v.value_s !== null && v.value_s > 0 && REQUEST_CLOCKS[v.layer].includes(v.setting));
  const hasNginx = counted.some((v) => v.layer === 'nginx');
  const hasApp = counted.some((v) => v.layer === 'gunicorn' || v.layer === 'uvicorn');
  const defaults = DEFAULT_CLOCKS.filter((d) => (d.layer === 'nginx' ? !hasNginx : !hasApp));
  const all = [...counted, ...defaults];
  const longest = all.reduce((a, b) => (b.value_s! > a.value_s! ? b : a));
  const ms = Math.round(longest.value_s! * 1000);
  if (!given) {
    return { ms, why: `no chain config given (--nginx-conf, --gunicorn-conf, --cmd): the longest default clock, ${label(longest)}; ${defaults.filter((d) => d !== longest).map(label).join(', ')}` };
  }
  const fromDefault = defaults.includes(longest);
  return { ms, why: `the chain's longest request clock, ${label(longest)}${fromDefault ? ` (no ${longest.layer} clock in the configs given: its default)` : ''}` };
}
