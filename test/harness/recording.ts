/**
 * Checks that a recorded run (a stack output folder or samples/<profile>) is complete: every request
 * has a truth label, every tagged access-log line has a truth record and the other way round, every
 * scripted event really happened, and each failure left the traces a real stack leaves in its logs.
 * Used by test-stack (after a live run) and by samples.test (in CI, without a stack).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, isLabel, type Label, type RequestTruth } from './truth.js';
import type { RunSummary } from './stack.js';

export interface AccessEntry {
  readonly line: number;
  readonly tag: string | null;
  readonly status: number;
  /** $upstream_status when the format logs it */
  readonly upstreamStatus: string | null;
}

const TAG = /[?&]dt=([A-Za-z0-9_-]+)/;
const REQUEST_AND_STATUS = /"[A-Z]+ (\S+) HTTP\/[\d.]+" (\d{3}) /;
const UPSTREAM_STATUS_KV = / us="([^"]*)"/;

/** Reads the three access-log layouts the profiles write: combined, timing (key=value tail) and JSON. */
export function parseAccessLog(text: string): AccessEntry[] {
  const out: AccessEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    if (raw.startsWith('{')) {
      const o = JSON.parse(raw) as Record<string, string>;
      const uri = o['uri'] ?? o['request'] ?? '';
      out.push({
        line: i + 1, tag: TAG.exec(uri)?.[1] ?? null, status: Number(o['status']), upstreamStatus: o['upstream_status'] ?? null,
      });
      return;
    }
    const m = REQUEST_AND_STATUS.exec(raw);
    if (!m) return;
    out.push({
      line: i + 1, tag: TAG.exec(m[1] ?? '')?.[1] ?? null, status: Number(m[2]),
      upstreamStatus: UPSTREAM_STATUS_KV.exec(raw)?.[1] ?? null,
    });
  });
  return out;
}

export interface Recording {
  readonly dir: string;
  readonly truth: RequestTruth[];
  readonly summary: RunSummary;
  readonly access: AccessEntry[];
  readonly errorLog: string;
  readonly gunicornLog: string;
  readonly appNdjson: string | null;
}

export function readRecording(dir: string): Recording {
  const read = (p: string): string => readFileSync(join(dir, p), 'utf8');
  const truth = read('truth/requests.ndjson')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RequestTruth);
  return {
    dir,
    truth,
    summary: JSON.parse(read('truth/summary.json')) as RunSummary,
    access: parseAccessLog(read('logs/access.log')),
    errorLog: read('logs/error.log'),
    gunicornLog: read('logs/gunicorn.log'),
    appNdjson: existsSync(join(dir, 'logs/app.ndjson')) ? read('logs/app.ndjson') : null,
  };
}

/** Every label must occur in a complete recording: each is a scripted event's aim. */
export const REQUIRED_LABELS: readonly Label[] = LABELS;

/** Returns the problems found; an empty list means the recording is complete. */
export function checkRecording(rec: Recording): string[] {
  const problems: string[] = [];
  const byTag = new Map<string, RequestTruth>();
  for (const t of rec.truth) {
    if (byTag.has(t.tag)) problems.push(`truth: tag ${t.tag} recorded twice`);
    byTag.set(t.tag, t);
    if (!isLabel(t.label)) problems.push(`truth: ${t.tag} has no known label (${String(t.label)})`);
  }

  const logged = new Map<string, AccessEntry>();
  for (const e of rec.access) {
    if (e.tag === null) continue;
    if (logged.has(e.tag)) problems.push(`access.log:${e.line}: tag ${e.tag} logged twice`);
    logged.set(e.tag, e);
    const t = byTag.get(e.tag);
    if (!t) {
      problems.push(`access.log:${e.line}: tag ${e.tag} has no truth record`);
      continue;
    }
    const want = t.client.outcome === 'aborted' ? 499 : t.client.status;
    if (want !== null && want !== e.status) problems.push(`access.log:${e.line}: ${e.tag} logged ${e.status}, client saw ${want}`);
  }
  for (const t of rec.truth) if (!logged.has(t.tag)) problems.push(`truth: ${t.tag} (${t.uri}) is not in access.log`);

  for (const label of REQUIRED_LABELS) {
    if (!rec.truth.some((t) => t.label === label)) problems.push(`truth: no request labelled ${label}`);
  }
  if (!rec.truth.some((t) => t.wastedWork)) problems.push('truth: no request with wasted_work');
  if (!rec.truth.some((t) => t.retried)) problems.push('truth: no request retried');
  for (const e of rec.summary.events) if (!e.happened) problems.push(`event ${e.name} did not happen: ${e.why ?? '?'}`);

  const statuses = new Set(rec.access.map((e) => e.status));
  for (const s of [499, 504, 502, 500, 413, 400]) if (!statuses.has(s)) problems.push(`access.log: no ${s}`);
  if (rec.access.some((e) => e.upstreamStatus !== null) && !rec.access.some((e) => (e.upstreamStatus ?? '').includes(','))) {
    problems.push('access.log: no $upstream_status with several attempts');
  }
  const needles: [string, string][] = [
    ['gunicorn.log', 'WORKER TIMEOUT'],
    ['gunicorn.log', 'terminated due to signal 9'],
    ['gunicorn.log', 'Shutting down: Master'],
    ['gunicorn.log', 'Slow request: '],
    ['gunicorn.log', 'Request failed after '],
    ['error.log', 'upstream timed out'],
    ['error.log', 'connect() failed (111: Connection refused)'],
  ];
  for (const [file, needle] of needles) {
    const text = file === 'gunicorn.log' ? rec.gunicornLog : rec.errorLog;
    if (!text.includes(needle)) problems.push(`${file}: no "${needle}"`);
  }
  if (rec.appNdjson !== null && rec.appNdjson.trim() === '') problems.push('app.ndjson is empty');
  return problems;
}

export function formatCounts(rec: Recording): string {
  const counts = new Map<string, number>();
  for (const t of rec.truth) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
  const flags = {
    wasted_work: rec.truth.filter((t) => t.wastedWork).length,
    retried: rec.truth.filter((t) => t.retried).length,
    stalled: rec.truth.filter((t) => t.stalledBy !== null).length,
  };
  return [
    `${rec.summary.profile} (TZ ${rec.summary.tz}): ${rec.truth.length} requests`,
    `  ${LABELS.map((l) => `${l}=${counts.get(l) ?? 0}`).join(' ')}`,
    `  ${Object.entries(flags).map(([k, v]) => `${k}=${v}`).join(' ')}`,
  ].join('\n');
}
