/**
 * droptrace's verdicts against the harness's ground truth for one recording (samples/<profile> or
 * a fresh `npm run stack` output). Joins on the tag every harness request carries in its URI
 * (`dt=<tag>`). Pure measurement: thresholds live in the tests and in `npm run accuracy`.
 */
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openStore, type Db } from '../../src/store/open.js';
import { ingestAndCorrelate } from '../../src/correlate/analyze.js';
import { iterateRequests, type RequestRecord } from '../../src/lookup/requests.js';
import { PROFILES, isProfileName, type Profile } from '../harness/profiles.js';
import type { AccessFormat } from '../../src/ingest/access-format.js';

export interface TruthRow {
  readonly tag: string;
  readonly scenario?: string;
  readonly attempts?: readonly { readonly fate: string; readonly startMs?: number }[];
  readonly label: string;
  readonly wastedWork: boolean;
  readonly retried?: boolean;
  readonly stalledBy?: string | null;
  readonly uri: string;
  readonly client: { readonly startMs: number; readonly endMs: number; readonly outcome: string };
}

export interface AccuracyFigures {
  readonly recording: string;
  readonly profile: string;
  readonly mode: 'all-logs' | 'no-app-ndjson';
  readonly truthRequests: number;
  /** truth requests nginx logged (matched by tag) */
  readonly joined: number;
  readonly correct: number;
  readonly failedTotal: number;
  readonly failedCorrect: number;
  readonly wastedExpected: number;
  readonly wastedFound: number;
  readonly wastedFalse: number;
  readonly timeWithin1s: number;
  /** stalled: truth says another handler blocked its worker's loop; found = droptrace flagged it */
  readonly stalledExpected: number;
  readonly stalledFound: number;
  readonly stalledFalse: number;
  /** false when the profile's app lines carry no pid: droptrace cannot see stalls there, and says so */
  readonly stallsDetectable?: boolean;
  /** retried: the app ran it more than once (truth) vs nginx logged several attempts (droptrace) */
  readonly retriedExpected: number;
  readonly retriedFound: number;
  readonly confusion: Record<string, Record<string, number>>;
  /** per flag: requests the truth says have it, droptrace flagged, and flagged correctly (precision = correct / flagged) */
  readonly flags: Readonly<Record<FlagName, FlagFigures>>;
  /** failed requests droptrace counts as possible keep-alive races (unflagged), and how many truly were */
  readonly possibleRaces: { readonly count: number; readonly true: number };
  readonly misses: { tag: string; uri: string; truth: string; got: string; why: string }[];
}

const TAG = /[?&]dt=([^&\s]+)/;

export const FLAG_NAMES = ['silent', 'wasted_work', 'retried', 'stalled', 'keepalive_race'] as const;
export type FlagName = (typeof FLAG_NAMES)[number];
/** expected: truth is sure of it; flagged: droptrace set it; correct: flagged where the truth allows it; found: flagged where the truth is sure */
export interface FlagFigures { readonly expected: number; readonly flagged: number; readonly correct: number; readonly found: number }

/**
 * A request whose first attempt the app saw began this long after the client sent it waited
 * somewhere first: behind a blocked worker's event loop, say, which a WORKER TIMEOUT then killed
 * with the request unread, and nginx retried it on the next worker. No app line records that first
 * attempt, so the truth cannot be sure of the retry; nginx's log can (`$upstream_status` "502, 200").
 * Background requests otherwise reach the app within milliseconds.
 */
export const QUEUED_BEFORE_APP_MS = 500;

/** Scenarios whose script makes nginx retry attempts the app never sees (a refused connect, a dead or closing cached connection). */
const NGINX_ONLY_RETRIES = new Set(['keepalive_race', 'gunicorn_restart', 'worker_timeout', 'worker_crash']);
/**
 * Failures after which nginx (two upstream servers, proxy_next_upstream error) tries the next server
 * on its own, whether or not the app saw either attempt.
 */
const NGINX_RETRIES_LABELS = new Set(['upstream_unavailable', 'worker_timeout', 'worker_crash']);

/**
 * What the truth says of each flag, twice: `sure` (the truth saw it: recall counts these) and
 * `possible` (the harness's setup can produce it where the app cannot see it: a flag there is no
 * false positive). silent: it failed and the handler raised nothing the middleware logs; retried:
 * the app ran it more than once (sure), or nginx retried on its own (possible); keepalive_race: a
 * 502 in the keep-alive race scenario (sure), or any request of that scenario no worker death
 * touched (possible: nginx retries a GET silently, "502, 200").
 */
export function truthFlags(t: TruthRow): { sure: Record<FlagName, boolean>; possible: Record<FlagName, boolean> } {
  const fates = (t.attempts ?? []).map((a) => a.fate);
  const sure = {
    silent: t.label !== 'ok' && !fates.includes('exception'),
    wasted_work: t.wastedWork,
    retried: t.retried === true,
    stalled: Boolean(t.stalledBy),
    keepalive_race: t.scenario === 'keepalive_race' && t.label === 'upstream_error',
  };
  return {
    sure,
    possible: {
      ...sure,
      retried: sure.retried || NGINX_ONLY_RETRIES.has(t.scenario ?? '') || NGINX_RETRIES_LABELS.has(t.label) || queuedBeforeApp(t),
      keepalive_race: t.scenario === 'keepalive_race' && !fates.includes('killed'),
    },
  };
}

/** The app saw its first attempt begin QUEUED_BEFORE_APP_MS or more after the client sent it. */
function queuedBeforeApp(t: TruthRow): boolean {
  const first = t.attempts?.[0]?.startMs;
  return first !== undefined && first - t.client.startMs >= QUEUED_BEFORE_APP_MS;
}

export function readTruth(dir: string): TruthRow[] {
  const text = readFileSync(join(dir, 'truth', 'requests.ndjson'), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TruthRow);
}

export function recordingProfile(dir: string): Profile {
  for (const f of ['summary.json', 'run.json']) {
    const p = join(dir, 'truth', f);
    if (existsSync(p)) {
      const j = JSON.parse(readFileSync(p, 'utf8')) as { profile?: string | { name?: string } };
      const name = typeof j.profile === 'string' ? j.profile : j.profile?.name;
      if (name && isProfileName(name)) return PROFILES[name];
    }
  }
  const base = dir.replace(/\/+$/, '').split('/').pop() ?? '';
  const guess = Object.keys(PROFILES).find((k) => base.includes(k));
  if (guess && isProfileName(guess)) return PROFILES[guess];
  throw new Error(`${dir}: cannot tell the harness profile (no truth/summary.json with "profile")`);
}

/**
 * The access format a recording's access.log is read with: its profile's log_format, or none for
 * nginx's combined and for an escape=json format (a JSON access log is recognised by its lines).
 */
export function profileAccessFormat(profile: Profile): AccessFormat | null {
  const f = profile.logFormat;
  return f && f.escape !== 'json' ? { format: f.text, escape: f.escape } : null;
}

/** Ingests and correlates a recording's logs with its profile's log_format and zone, as the quick start does. */
export async function ingestRecording(db: Db, profile: Profile, logs: readonly string[], tzOverride?: string): Promise<void> {
  await ingestAndCorrelate(db, logs, {
    tz: tzOverride ?? profile.tz,
    logFormat: profileAccessFormat(profile),
  });
}

export async function measureRecording(dir: string, mode: AccuracyFigures['mode'] = 'all-logs', tzOverride?: string): Promise<AccuracyFigures> {
  const profile = recordingProfile(dir);
  const logsDir = join(dir, 'logs');
  const logs = readdirSync(logsDir)
    .filter((f) => !(mode === 'no-app-ndjson' && f.endsWith('.ndjson')))
    // The delivery profile's nginx writes the same traffic to several access logs at once (access-iso.log,
    // access-keys.json …: other log_formats, compared by test/ingest/delivery-sample.test.ts). Measured
    // together they are six copies of each request competing for one error-log line; truth is access.log's.
    .filter((f) => !/^access-/.test(f))
    .map((f) => join(logsDir, f));
  const tmp = mkdtempSync(join(tmpdir(), 'droptrace-acc-'));
  const db = openStore(join(tmp, 'acc.db'));
  try {
    await ingestRecording(db, profile, logs, tzOverride);
    const byTag = new Map<string, RequestRecord>();
    for (const r of iterateRequests(db)) {
      const m = TAG.exec(r.uri ?? '');
      if (m) byTag.set(m[1]!, r);
    }
    const stallsDetectable = profile.appNdjson || profile.pythonLogFormat.includes('%(process)d');
    return { ...compare(dir, profile.name, mode, readTruth(dir), byTag), stallsDetectable };
  } finally {
    db.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function compare(recording: string, profile: string, mode: AccuracyFigures['mode'], truth: readonly TruthRow[], byTag: ReadonlyMap<string, RequestRecord>): AccuracyFigures {
  let stalledExpected = 0, stalledFound = 0, stalledFalse = 0, retriedExpected = 0, retriedFound = 0;
  let joined = 0, correct = 0, failedTotal = 0, failedCorrect = 0, wastedExpected = 0, wastedFound = 0, wastedFalse = 0, timeWithin1s = 0;
  const confusion: Record<string, Record<string, number>> = {};
  const misses: AccuracyFigures['misses'] = [];
  const flags = Object.fromEntries(FLAG_NAMES.map((f) => [f, { expected: 0, flagged: 0, correct: 0, found: 0 }])) as Record<FlagName, { expected: number; flagged: number; correct: number; found: number }>;
  const possibleRaces = { count: 0, true: 0 };
  for (const t of truth) {
    const r = byTag.get(t.tag);
    if (!r) continue;
    joined++;
    const got = r.verdict;
    (confusion[t.label] ??= {})[got] = (confusion[t.label]![got] ?? 0) + 1;
    if (got === t.label) correct++;
    else misses.push({ tag: t.tag, uri: r.uri ?? '', truth: t.label, got, why: r.explanation });
    if (t.label !== 'ok') {
      failedTotal++;
      if (got === t.label) failedCorrect++;
    }
    const abortedOrTimedOut = r.status === 499 || r.status === 504;
    if (abortedOrTimedOut && t.wastedWork) {
      wastedExpected++;
      if (r.wasted_work) wastedFound++;
    }
    if (r.wasted_work && !t.wastedWork) wastedFalse++;
    if (Math.abs(Date.parse(r.end) - t.client.endMs) <= 1000) timeWithin1s++;
    if (t.stalledBy) { stalledExpected++; if (r.stalled) stalledFound++; } else if (r.stalled) stalledFalse++;
    if (t.retried) { retriedExpected++; if (r.retried) retriedFound++; }
    const truthOf = truthFlags(t);
    for (const f of FLAG_NAMES) {
      const fig = flags[f];
      if (truthOf.sure[f]) fig.expected++;
      if (r[f]) {
        fig.flagged++;
        if (truthOf.possible[f]) fig.correct++;
        if (truthOf.sure[f]) fig.found++;
      }
    }
    if (r.keepalive_race_possible) { possibleRaces.count++; if (truthOf.possible.keepalive_race) possibleRaces.true++; }
  }
  return { recording, profile, mode, truthRequests: truth.length, joined, correct, failedTotal, failedCorrect, wastedExpected, wastedFound, wastedFalse, timeWithin1s, stalledExpected, stalledFound, stalledFalse, retriedExpected, retriedFound, confusion, flags, possibleRaces, misses };
}

const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);

export function renderFigures(f: AccuracyFigures): string {
  const lines = [
    `${f.recording} (profile ${f.profile}, ${f.mode})`,
    `  requests: ${f.joined} of ${f.truthRequests} truth requests found in nginx's log`,
    `  verdicts: ${f.correct}/${f.joined} correct = ${pct(f.correct, f.joined)}; failed ones: ${f.failedCorrect}/${f.failedTotal} = ${pct(f.failedCorrect, f.failedTotal)}`,
    `  wasted_work on 499/504 whose handler finished: ${f.wastedFound}/${f.wastedExpected}; false wasted_work: ${f.wastedFalse}`,
    `  end time within 1 s of the client's: ${f.timeWithin1s}/${f.joined} = ${pct(f.timeWithin1s, f.joined)}`,
    `  stalled: ${f.stalledFound}/${f.stalledExpected} found${f.stallsDetectable === false ? ' (not detectable: the app\'s lines carry no pid)' : ''}, ${f.stalledFalse} flagged without truth; retried (app ran it twice): ${f.retriedFound}/${f.retriedExpected} flagged`,
    '  flags (precision: flagged where the truth allows it / flagged; recall: flagged / where the truth is sure of it):',
    ...FLAG_NAMES.map((k) => {
      const x = f.flags[k];
      return `    ${k.padEnd(15)} precision ${pct(x.correct, x.flagged).padStart(6)} (${x.correct}/${x.flagged})  recall ${pct(x.found, x.expected).padStart(6)} (${x.found}/${x.expected})`;
    }),
    `    could be a keep-alive race (counted, not flagged): ${f.possibleRaces.count}, of which truly races: ${f.possibleRaces.true}`,
    '  confusion (truth → droptrace):',
    ...Object.entries(f.confusion).map(([k, v]) => `    ${k.padEnd(21)} ${Object.entries(v).map(([g, n]) => `${g}:${n}`).join('  ')}`),
  ];
  for (const m of f.misses.slice(0, 15)) lines.push(`  miss: ${m.truth} → ${m.got}  ${m.uri}  (${m.why})`);
  return lines.join('\n') + '\n';
}
