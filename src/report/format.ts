/** Small formatting shared by the text, markdown and HTML renderers: times in a zone, shares, durations. */
import type { Histogram, VerdictCount, SettingChange, RestartWindow, WorkerIncident } from './types.js';
import { describeSupport, type Support } from '../domain/evidence.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** ISO-8601 UTC → "2024-05-01 13:00:00.123" in `zone` (UTC by default). */
export function formatTime(isoText: string | null, zone = 'UTC'): string {
  if (isoText === null) return '-';
  const d = new Date(isoText);
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${p['second']}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** Requests listed per incident in a rendered report; the JSON keeps up to 200 and the counts. */
export const LISTED = 10;

export const pct = (share: number): string => `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 2)}%`;
export const secs = (s: number | null): string => (s === null ? '?' : `${s.toFixed(3)} s`);

/** Merges histogram bins until at most `maxRows` remain (for text charts). */
export function coarsen(h: Histogram, maxRows: number): Histogram {
  let width = h.bin_s;
  let bins = h.bins;
  while (bins.length > maxRows) {
    width *= 2;
    const merged = new Map<number, { start_s: number; total: number; counts: Record<string, number> }>();
    for (const b of bins) {
      const k = Math.floor(b.start_s / width + 1e-9);
      const m = merged.get(k) ?? { start_s: Math.round(k * width * 10) / 10, total: 0, counts: {} };
      m.total += b.total;
      for (const [v, c] of Object.entries(b.counts)) m.counts[v] = (m.counts[v] ?? 0) + c;
      merged.set(k, m);
    }
    bins = [...merged.values()];
  }
  return { bin_s: width, bins };
}

/** "5 exact, 2 inferred, 1 cannot tell": how a verdict's requests are supported (zeros left out). */
export function levelCounts(e: VerdictCount['evidence'] | undefined): string {
  if (e === undefined) return '';
  const parts = [[e.exact, 'exact'], [e.inferred, 'inferred'], [e.cannot_tell, 'cannot tell'], [e.unknown, 'not recorded']] as const;
  return parts.filter(([n]) => n > 0).map(([n, l]) => `${n} ${l}`).join(', ');
}

/** "(inferred: <rule>)" / "(cannot tell: needs …)" after a claim. */
export const supportNote = (s: Support | null): string => (s === null ? '' : ` (${describeSupport(s)})`);

/** The sentence under "Keep-alive races" for failures that could be one. */
export function possibleRacesText(count: number, missing: string): string {
  return `${count} failed request(s) could be a keep-alive race (an upstream close or reset that no worker death or app record explains), ` +
    `but nothing logged shows a reused idle connection: they keep their verdict. Add ${missing} (log_format below) to tell.`;
}

/** A worker incident's event as the renderers name it: an inferred death says so where it is named. */
export const incidentEventText = (i: WorkerIncident): string => (i.event === 'inferred_death' ? 'worker death (inferred, no log line)' : i.event);

/** The line under an incident that no log line names: "inferred: <rule>"; null for a death gunicorn logged. */
export const incidentEvidenceText = (i: WorkerIncident): string | null => (i.evidence.level === 'exact' ? null : describeSupport(i.evidence));

/** The line for a worker incident whose blocking request the logs cannot name. */
export function blockerUnknownText(s: Support | null, candidates: number): string {
  return `blocking request: cannot tell ${candidates === 1 ? 'whether the request below blocked the worker or waited behind one the logs do not show' : `which of these ${candidates} requests on the worker blocked it`}` +
    `${s?.missing ? ` — needs ${s.missing}` : ''}`;
}

/** "--keep-alive (default (…)): 2 s → 65 — why" */
export function changeText(c: SettingChange): string {
  return `${c.directive} [${c.where}]: now ${c.now} → ${c.set} — ${c.why}`;
}

/** "2026-… Handling signal: term → Starting gunicorn 20.1.0: 23 failed (upstream_unavailable 20, upstream_error 3)" */
export function restartText(w: RestartWindow, time: (iso: string) => string): string {
  const verdicts = Object.entries(w.by_verdict).map(([v, n]) => `${v} ${n}`).join(', ');
  return `${time(w.from)} "${w.stop.message}" → ${time(w.to)} "${w.start.message}": ${w.failed_count} request(s) failed${verdicts ? ` (${verdicts})` : ''}`;
}
