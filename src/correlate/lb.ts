/**
 * The load balancer pass of a correlation: once nginx's requests have their verdicts, each LB line
 * not yet tied to one is matched to its nginx request (lb-match.ts) and the verdict revised with
 * what the LB saw (lb-classify.ts); an LB line nginx never logged becomes a request of its own
 * (access_id = −lb id), never dropped. The request set is the outermost layer's. Nothing runs when
 * no LB log was ingested.
 */
import type { Db } from '../store/open.js';
import {
  HAS_LB_ROWS, INSERT_LB_ONLY_VERDICT, SELECT_LB_FOR_PASS, SELECT_NGINX_FOR_LB, UPDATE_VERDICT_WITH_LB,
} from '../store/sql/lb.js';
import type { LbPassRow, NginxForLbRow } from './lb-rows.js';
import { matchLbToNginx } from './lb-match.js';
import { classifyWithLb } from './lb-classify.js';
import { checkVerdict, type WithStoredVerdict } from '../domain/verdicts.js';

export interface LbPassResult {
  readonly lbRequests: number;
  readonly matched: number;
  readonly lbOnly: number;
  readonly skewMs: number;
  /** For correlation_runs.notes */
  readonly note: string;
}

/** LB lines and nginx requests this far before the correlation's start are read again: they may pair across it. */
const LB_MARGIN_MS = 10 * 60_000;

export function correlateLb(db: Db, fromMs: number | null): LbPassResult | null {
  if (db.prepare(HAS_LB_ROWS).get() === undefined) return null;
  const from = fromMs === null ? -8.64e15 : fromMs - LB_MARGIN_MS;
  const lbs = db.prepare(SELECT_LB_FOR_PASS).all({ from }) as LbPassRow[];
  if (lbs.length === 0) return { lbRequests: 0, matched: 0, lbOnly: 0, skewMs: 0, note: 'load balancer: no new request' };
  const ngx = (db.prepare(SELECT_NGINX_FOR_LB).all({ from }) as WithStoredVerdict<NginxForLbRow>[]).map(checkVerdict);
  const m = matchLbToNginx(lbs, ngx);
  const update = db.prepare(UPDATE_VERDICT_WITH_LB);
  const insert = db.prepare(INSERT_LB_ONLY_VERDICT);
  let matched = 0;
  db.transaction(() => {
    for (const p of m.pairs) {
      const c = classifyWithLb(p.lb, p.nginx, p.method);
      if (p.nginx) {
        matched++;
        update.run({ access_id: p.nginx.id, lb_id: p.lb.id, lb_match: p.method, verdict: c.verdict, silent: c.silent ? 1 : 0,
          keepalive_race: c.keepaliveRace ? 1 : 0, explanation: c.explanation,
          level: c.support?.level ?? null, support: c.support ? JSON.stringify(c.support) : null });
      } else {
        // On nginx's clock, like every other request's times.
        const end = p.lb.time_ms - m.skewMs;
        const start = p.lb.start_ms !== null ? p.lb.start_ms - m.skewMs : p.lb.elapsed_ms !== null ? end - p.lb.elapsed_ms : null;
        insert.run({ access_id: -p.lb.id, start_ms: start, end_ms: end, verdict: c.verdict, silent: c.silent ? 1 : 0,
          keepalive_race: c.keepaliveRace ? 1 : 0, explanation: c.explanation, lb_id: p.lb.id,
          level: c.support?.level ?? null, evidence: JSON.stringify({ verdict: c.support, flags: c.flags }) });
      }
    }
  })();
  const note = `load balancer: ${lbs.length} requests, ${matched} matched to nginx (LB clock offset ${m.skewMs} ms by ${m.skewMethod}), ${lbs.length - matched} only in the LB's log`;
  return { lbRequests: lbs.length, matched, lbOnly: lbs.length - matched, skewMs: m.skewMs, note };
}
