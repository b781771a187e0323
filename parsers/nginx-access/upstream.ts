/**
 * `$upstream_*` variables hold one value per upstream attempt, separated by ", ", and start a new
 * group after " : " (an internal redirect such as X-Accel-Redirect or error_page picked another
 * upstream). nginx logs "-" for a value it does not have (no response: timeout, reset), and a lone "-"
 * when no upstream was used at all. This module zips the lists into one attempt per address.
 */
import { secondsToDuration, type DurationMs } from '../../src/domain/units.js';
import type { UpstreamAttempt } from './record.js';

/** The raw texts of the upstream variables a line logged (null when the format lacks the variable). */
export interface UpstreamTexts {
  addr: string | null;
  status: string | null;
  connectTime: string | null;
  headerTime: string | null;
  responseTime: string | null;
}

interface ListItem {
  readonly text: string | null;
  readonly group: number;
}

/** "a, b : c" → [{a,0},{b,0},{c,1}]; "-" items → null text. */
export function splitUpstreamList(text: string): ListItem[] {
  // Most lines hold one attempt: skip the splitting.
  if (text.indexOf(',') < 0 && text.indexOf(' : ') < 0) {
    const t = text.trim();
    return [{ text: t === '-' || t === '' ? null : t, group: 0 }];
  }
  const out: ListItem[] = [];
  const groups = text.split(' : ');
  for (let g = 0; g < groups.length; g++) {
    for (const raw of groups[g]!.split(', ')) {
      const t = raw.trim();
      out.push({ text: t === '-' || t === '' ? null : t, group: g });
    }
  }
  return out;
}

function toStatus(text: string | null): number | null {
  if (text === null || text === '') return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function toDuration(text: string | null): DurationMs | null {
  if (text === null || text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? secondsToDuration(n) : null;
}

const isAbsent = (t: string | null): boolean => t === null || t === '-' || t === '';

/**
 * Zip the lists. Returns null when no upstream variable was logged by the format, [] when nginx
 * logged "-" everywhere (no upstream used). The address list decides how many attempts there were;
 * without it, the longest list does. Malformed addresses are kept as text.
 */
export function zipUpstreams(t: UpstreamTexts): UpstreamAttempt[] | null {
  const texts = [t.addr, t.status, t.connectTime, t.headerTime, t.responseTime];
  if (texts.every((x) => x === null)) return null;
  if (texts.every(isAbsent)) return [];
  const addr = t.addr === null ? null : splitUpstreamList(t.addr);
  const status = t.status === null ? null : splitUpstreamList(t.status);
  const connect = t.connectTime === null ? null : splitUpstreamList(t.connectTime);
  const header = t.headerTime === null ? null : splitUpstreamList(t.headerTime);
  const response = t.responseTime === null ? null : splitUpstreamList(t.responseTime);
  const n = addr !== null && !isAbsent(t.addr)
    ? addr.length
    : Math.max(addr?.length ?? 0, status?.length ?? 0, connect?.length ?? 0, header?.length ?? 0, response?.length ?? 0);
  const attempts: UpstreamAttempt[] = [];
  for (let i = 0; i < n; i++) {
    const lead = addr?.[i] ?? status?.[i] ?? response?.[i] ?? header?.[i] ?? connect?.[i];
    attempts.push({
      addr: addr?.[i]?.text ?? null,
      status: toStatus(status?.[i]?.text ?? null),
      connectTime: toDuration(connect?.[i]?.text ?? null),
      headerTime: toDuration(header?.[i]?.text ?? null),
      responseTime: toDuration(response?.[i]?.text ?? null),
      group: lead?.group ?? 0,
    });
  }
  return attempts;
}
