/**
 * droptrace's verdicts on an LB stack recording against its truth: the logs are ingested as a user
 * would (HAProxy's syslog file, nginx's access and error logs), correlated, exported, and joined to
 * the truth on the request's tag. Targets as for nginx: ≥ 99% of verdicts, ≥ 98% of failures, and
 * every request only the LB saw present as a request of its own.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { openStore } from '../../../src/store/open.js';
import { ingestPaths } from '../../../src/ingest/ingest.js';
import { correlate } from '../../../src/correlate/correlate.js';
import { iterateRequests } from '../../../src/lookup/requests.js';
import { NGINX_LB_FORMAT } from './confs.js';
import type { LbTruth } from './lb-stack.js';

export interface LbFigures {
  readonly truth: number;
  readonly labelled: number;
  readonly correct: number;
  readonly failedTotal: number;
  readonly failedCorrect: number;
  readonly lbOnlyTotal: number;
  readonly lbOnlyPresent: number;
  readonly byLabel: Record<string, { n: number; correct: number }>;
  readonly wrong: string[];
}

export async function measureLbRecording(dir: string): Promise<LbFigures> {
  const truth = readFileSync(join(dir, 'truth', 'requests.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LbTruth);
  // The database goes to a temp folder: a recording (samples/lb) is read, never written.
  const tmp = mkdtempSync(join(tmpdir(), 'droptrace-lb-acc-'));
  const db = openStore(join(tmp, 'acc.db'));
  try {
    const logs = readdirSync(join(dir, 'logs')).filter((f) => /\.log$/.test(f)).sort().map((f) => relative(process.cwd(), join(dir, 'logs', f)));
    await ingestPaths(db, logs, { tz: 'UTC', logFormat: NGINX_LB_FORMAT });
    correlate(db);
    const byTag = new Map<string, { verdict: string; nginx: unknown; explanation: string }>();
    for (const r of iterateRequests(db)) {
      const tag = /[?&]dt=(t\d+)/.exec(r.uri ?? '')?.[1];
      if (tag) byTag.set(tag, { verdict: r.verdict, nginx: r.nginx, explanation: r.explanation });
    }
    let correct = 0, labelled = 0, failedTotal = 0, failedCorrect = 0, lbOnlyTotal = 0, lbOnlyPresent = 0;
    const byLabel: Record<string, { n: number; correct: number }> = {};
    const wrong: string[] = [];
    for (const t of truth) {
      if (t.label === 'unknown') continue;
      labelled++;
      const got = byTag.get(t.tag);
      const ok = got !== undefined && got.verdict === t.label;
      const b = (byLabel[t.label] ??= { n: 0, correct: 0 });
      b.n++;
      if (ok) { correct++; b.correct++; } else wrong.push(`${t.tag} ${t.scenario}: truth ${t.label}, droptrace ${got?.verdict ?? 'no request'}${got ? ` (${got.explanation})` : ''}`);
      if (t.label !== 'ok') { failedTotal++; if (ok) failedCorrect++; }
      if (!t.upstreamSaw) { lbOnlyTotal++; if (got !== undefined && got.nginx === null) lbOnlyPresent++; }
    }
    return { truth: truth.length, labelled, correct, failedTotal, failedCorrect, lbOnlyTotal, lbOnlyPresent, byLabel, wrong };
  } finally {
    db.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export const LB_TARGETS = { all: 0.99, failed: 0.98 } as const;

export function lbProblems(f: LbFigures): string[] {
  const out: string[] = [];
  if (f.labelled === 0 || f.correct / f.labelled < LB_TARGETS.all) out.push(`verdicts ${f.correct}/${f.labelled} below ${LB_TARGETS.all * 100}%`);
  if (f.failedTotal > 0 && f.failedCorrect / f.failedTotal < LB_TARGETS.failed) out.push(`failed requests' verdicts ${f.failedCorrect}/${f.failedTotal} below ${LB_TARGETS.failed * 100}%`);
  if (f.lbOnlyPresent !== f.lbOnlyTotal) out.push(`requests only the LB saw: ${f.lbOnlyPresent} of ${f.lbOnlyTotal} present with nginx: null`);
  return out;
}

export function renderLbFigures(f: LbFigures): string {
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${((a / b) * 100).toFixed(1)}%`);
  const lines = [
    `  lb: verdicts ${f.correct}/${f.labelled} (${pct(f.correct, f.labelled)}), failures ${f.failedCorrect}/${f.failedTotal} (${pct(f.failedCorrect, f.failedTotal)}), LB-only requests present ${f.lbOnlyPresent}/${f.lbOnlyTotal}`,
    ...Object.entries(f.byLabel).map(([k, v]) => `    ${k.padEnd(18)} ${v.correct}/${v.n}`),
    ...f.wrong.slice(0, 10).map((w) => `    WRONG ${w}`),
  ];
  return lines.join('\n') + '\n';
}
