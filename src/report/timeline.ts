/**
 * The incident timeline for an explicit window: nginx's error lines, gunicorn's events and the
 * failed requests, in time order, cut at `limit` entries. Requests arrive in end order, so only the
 * first `limit` failed ones can make the cut; the rest are counted.
 */
import type { ReportPassRow } from '../store/sql/report-requests.js';
import type { ReportWorkerEventRow, ReportErrorRow } from '../store/sql/report-events.js';
import { FAILED } from './sections.js';
import { durationMs } from './refs.js';
import type { TimelineEntry } from './types.js';
import { isoUtc, msToSeconds } from '../domain/units.js';

type Timed = TimelineEntry & { readonly ms: number };

export class TimelineTally {
  private readonly requests: Timed[] = [];
  private failed = 0;

  constructor(private readonly limit = 400) {}

  add(r: ReportPassRow): void {
    if (!FAILED.has(r.verdict)) return;
    this.failed++;
    if (this.requests.length >= this.limit) return;
    const d = durationMs(r);
    this.requests.push({
      ms: r.end_ms, time: isoUtc(r.end_ms), layer: 'nginx',
      what: `${r.status ?? '-'} ${r.method ?? ''} ${r.uri ?? ''} after ${d === null ? '?' : msToSeconds(d).toFixed(3)} s: ${r.verdict}${r.silent === 1 ? ' (silent)' : ''}`,
      source: `${r.file}:${r.line_no}`,
    });
  }

  result(errors: readonly ReportErrorRow[], events: readonly ReportWorkerEventRow[]): { entries: TimelineEntry[]; truncated: boolean } {
    const entries: Timed[] = [...this.requests];
    for (const e of errors) {
      entries.push({ ms: e.time_ms, time: isoUtc(e.time_ms), layer: 'nginx-error', what: `[${e.level}] ${e.message}`, source: `${e.file}:${e.line_no}` });
    }
    for (const e of events) {
      entries.push({ ms: e.time_ms, time: isoUtc(e.time_ms), layer: 'gunicorn', what: e.message, source: `${e.file}:${e.line_no}` });
    }
    entries.sort((a, b) => a.ms - b.ms || a.source.localeCompare(b.source));
    const truncated = errors.length + events.length + this.failed > this.limit;
    return { entries: entries.slice(0, this.limit).map(({ ms: _ms, ...e }) => e), truncated };
  }
}
