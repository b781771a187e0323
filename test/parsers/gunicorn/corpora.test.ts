/**
 * Conformance against ../shared/corpora/{gunicorn,uvicorn}: lines from other people's stderr with the
 * fields their sources (or the corpus, from the documented default formats) state, under their own
 * names. Rows of one paste are fed in order through one parser (a new parser at each `seq: 1`), so
 * continuations see their stream. Every row is counted; every source field is either compared or
 * listed in NOT_COMPARED with the reason; every deliberate difference is in EXCEPTIONS by line.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createGunicornParser } from '../../../parsers/gunicorn/parse.js';
import { SIGNALS } from '../../../parsers/gunicorn/patterns.js';
import type { GunicornEvent, GunicornStreamRecord, ServerLogRecord } from '../../../parsers/gunicorn/record.js';
import type { ParseResult } from '../../../parsers/result.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { corpusTest, readCorpus, type CorpusRow } from '../corpora.js';

/** The corpus's event names → the droptrace events that mean the same. */
const EVENTS: Readonly<Record<string, readonly GunicornEvent[]>> = {
  master_start: ['starting'], master_listen: ['listening'], master_worker_class: ['using_worker'],
  worker_boot: ['booting_worker'], worker_timeout: ['worker_timeout'],
  worker_terminated_by_signal: ['worker_signaled'], worker_signaled: ['worker_signaled'],
  // the corpus calls "was sent SIGKILL!" worker_signalled in one paste and worker_killed elsewhere
  worker_signalled: ['worker_killed'], worker_killed: ['worker_killed', 'worker_exited'],
  worker_exit: ['worker_exiting'], worker_exiting: ['worker_exiting'],
  worker_exit_code: ['worker_exited'], worker_exited: ['worker_exited'],
  worker_graceful_timeout: ['worker_aborted'], signal: ['handling_signal'], master_shutdown: ['shutting_down'],
  master_info: ['using_worker', 'reason', 'listening', 'starting', 'log'],
  worker_count: ['worker_count'], uvicorn_started: ['server_started'], uvicorn_finished: ['app_shutdown'],
  uvicorn_lifecycle: ['server_started', 'app_startup', 'app_shutdown'], access: ['access'],
};

/** Source fields droptrace does not store as a column, and why. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  time_zone: 'prose ("not in line"); zone-less times are read in --tz (UTC here)',
  time: 'compared through time_iso / time_epoch when present, else directly',
  listen: 'kept in message only (the bind address is not a correlation key)',
  master_pid: 'kept in message only; the arbiter pid is the line pid of its other lines',
  version: 'kept in message only',
  worker_class: 'kept in message only',
  http_version: 'not stored: correlation needs method, uri and status',
  status_phrase: 'not stored: implied by status',
  leading_token: 'the duplicated logger name of one custom layout; dropped',
  prefix: 'prose naming the wrapper; the wrapper is checked by parsing inner_line the same way',
  kind: 'prose ("traceback tail line", "gunicorn access log line"); checked by the role rules below',
};

/** Rows where droptrace deliberately differs: line substring → reason. */
const EXCEPTIONS: Readonly<Record<string, string>> = {};

const lower = (v: unknown): string => String(v).toLowerCase().replace(/^warn$/, 'warning');

function expectedTime(e: Record<string, unknown>): number | null | undefined {
  if (typeof e['time_epoch'] === 'number') return Math.round(e['time_epoch'] * 1000);
  const iso = e['time_iso'] ?? e['time'];
  if (typeof iso !== 'string') return undefined;
  const s = iso.replace(',', '.').replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(s) ? s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2') : `${s}Z`;
  return Date.parse(zoned);
}

/** Compares one expected object with a server record; returns the mismatches. */
function compare(e: Record<string, unknown>, r: ServerLogRecord): string[] {
  const bad: string[] = [];
  const check = (field: string, want: unknown, got: unknown): void => {
    if (want !== got) bad.push(`${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  for (const [k, v] of Object.entries(e)) {
    switch (k) {
      case 'time_iso': case 'time_epoch': case 'time': check('time', expectedTime(e), r.time); break;
      case 'pid': check(k, v, r.pid); break;
      case 'level': check(k, lower(v), r.level); break;
      // An access line is stored as an app request record (its fields, not its text).
      case 'message': if (r.event !== 'access') check(k, v, r.message); break;
      case 'event': {
        const allowed = EVENTS[String(v)];
        if (!allowed) bad.push(`event ${String(v)}: no mapping`);
        else if (!allowed.includes(r.event)) bad.push(`event: expected ${String(v)} (${allowed.join('|')}), got ${r.event}`);
        break;
      }
      case 'worker_pid': case 'server_pid': check(k, v, r.workerPid); break;
      case 'signal': check(k, typeof v === 'string' ? SIGNALS[v.toLowerCase().replace(/^sig/, '')] : v, r.signal); break;
      case 'signal_name': check(k, SIGNALS[String(v)], r.signal); break;
      case 'exit_code': case 'code': check(k, v, r.exitCode); break;
      case 'client_addr': check('client', `${String(v)}:${String(e['client_port'])}`, r.client); break;
      case 'client_port': break;
      case 'method': check(k, v, r.method); break;
      case 'path': check('uri', v, r.uri); break;
      case 'status': check(k, v, r.status); break;
      case 'worker_count': check(k, true, new RegExp(`^${String(v)} workers?$`).test(r.message)); break;
      case 'logger': {
        const want = String(v).startsWith('gunicorn') ? 'gunicorn' : String(v).startsWith('uvicorn') ? 'uvicorn' : 'app';
        check('source (from logger)', want, r.source);
        break;
      }
      default:
        if (!(k in NOT_COMPARED)) bad.push(`source field ${k} is neither compared nor listed in NOT_COMPARED`);
    }
  }
  return bad;
}

/** A continuation: flagged, by role, by a note "continuation…", or an expectation of kind "traceback … line". */
const isContinuationRow = (row: CorpusRow): boolean =>
  row.continuation === true || (row.role ?? '').startsWith('continuation') ||
  (/^continuation/.test(row.note ?? '') && row.expected === undefined) ||
  /^traceback\b/.test(String(row.expected?.['kind'] ?? ''));

interface Tally { rows: number; expectedOk: number; expected: number; continuationOk: number; continuation: number; foreignOk: number; foreign: number; other: number; failures: string[] }

function conform(rows: readonly CorpusRow[]): Tally {
  const t: Tally = { rows: rows.length, expectedOk: 0, expected: 0, continuationOk: 0, continuation: 0, foreignOk: 0, foreign: 0, other: 0, failures: [] };
  let parse = createGunicornParser({ tz: 'UTC' });
  let parseInner = createGunicornParser({ tz: 'UTC' });
  for (const row of rows) {
    if (row.seq === 1) {
      parse = createGunicornParser({ tz: 'UTC' });
      parseInner = createGunicornParser({ tz: 'UTC' });
    }
    // One line without its file: the delivery wrapper that takes most of it comes off, as the ingest's
    // reading would take it off (the corpus's own inner_line is checked against it below).
    const inner = unwrapLine(row.line).inner;
    const r = parse(inner);
    const exception = Object.keys(EXCEPTIONS).find((s) => row.line.includes(s));
    const fail = (why: string): void => {
      if (!exception) t.failures.push(`${why}\n    line: ${row.line}`);
    };
    if (row.inner_line !== undefined) {
      if (inner !== row.inner_line) fail(`the wrapper came off as ${JSON.stringify(inner.slice(0, 60))}, the corpus says ${JSON.stringify(row.inner_line.slice(0, 60))}`);
      const ri = parseInner(row.inner_line);
      if (ri.kind !== r.kind) fail(`wrapped line parses as ${r.kind}, its inner line as ${ri.kind}`);
      else if (r.kind === 'record' && ri.kind === 'record') {
        const a = { ...r.record.row, time: null, timeText: null, message: null };
        const b = { ...ri.record.row, time: null, timeText: null, message: null };
        if (JSON.stringify(a) !== JSON.stringify(b)) fail(`wrapped and inner records differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    } else parseInner(row.line);
    if (r.kind === 'reject') {
      fail(`rejected: ${r.reason}`);
      continue;
    }
    if (isContinuationRow(row)) {
      t.continuation++;
      if (r.kind === 'continuation') t.continuationOk++;
      else fail(`expected a continuation, got ${describe(r)}`);
      continue;
    }
    const role = row.role ?? '';
    if (role.startsWith('foreign')) {
      t.foreign++;
      if (r.kind === 'record' && r.record.table === 'server' && r.record.row.source === 'app' && r.record.row.event === 'log') t.foreignOk++;
      else fail(`foreign line: expected an app 'log' record, got ${describe(r)}`);
      continue;
    }
    if (role.startsWith('gunicorn access')) {
      t.expected++;
      if (serverView(r)?.source === 'gunicorn_access') t.expectedOk++;
      else fail(`gunicorn access line: got ${describe(r)}`);
      continue;
    }
    if (row.expected) {
      t.expected++;
      const view = serverView(r);
      if (view === null) {
        fail(`expected a server record (or an access record), got ${describe(r)}`);
        continue;
      }
      const e = { ...row.expected };
      if (e['kind'] === 'gunicorn access log line (default access_log_format)') {
        if (view.source !== 'gunicorn_access') fail(`expected a gunicorn access record, got ${describe(r)}`);
      }
      const bad = compare(e, view);
      if (bad.length === 0) t.expectedOk++;
      else fail(bad.join('; '));
      continue;
    }
    t.other++;
    if (r.kind !== 'record') fail(`row without expectations (role ${role || 'none'}): expected a record, got ${describe(r)}`);
  }
  return t;
}

/**
 * The server-log view of a record: server rows as they are; the app server's access lines (stored
 * as app request records, kind 'access') with the fields they carry, so they are compared alike.
 */
function serverView(r: ParseResult<GunicornStreamRecord>): ServerLogRecord | null {
  if (r.kind !== 'record') return null;
  if (r.record.table === 'server') return r.record.row;
  const a = r.record.row;
  if (a.kind !== 'access') return null;
  return {
    source: a.logger === 'gunicorn.access' ? 'gunicorn_access' : 'uvicorn_access', event: 'access', time: a.time, timeText: a.timeText,
    level: (a.level as ServerLogRecord['level']) ?? null, pid: a.pid, workerPid: null, signal: null, exitCode: null, message: '',
    client: a.client, method: a.method, uri: a.uri ?? a.path, status: a.status,
  };
}

function describe(r: ParseResult<GunicornStreamRecord>): string {
  if (r.kind === 'record') return `${r.record.table} record ${r.pattern} ${JSON.stringify(r.record.row).slice(0, 160)}`;
  if (r.kind === 'continuation') return 'continuation';
  return `${r.kind}: ${r.reason}`;
}

const FILES = ['gunicorn/gunicorn-docs.ndjson', 'gunicorn/public-reports.ndjson', 'uvicorn/uvicorn-docs.ndjson', 'uvicorn/public-reports.ndjson'];
for (const file of FILES) {
  corpusTest(`corpora conformance: ${file}`, (t, dir) => {
    const tally = conform(readCorpus(join(dir, file)));
    t.diagnostic(`${file}: ${tally.rows} rows; expected ${tally.expectedOk}/${tally.expected}; continuation ${tally.continuationOk}/${tally.continuation}; foreign ${tally.foreignOk}/${tally.foreign}; other ${tally.other}`);
    assert.deepEqual(tally.failures, []);
  });
}

corpusTest('corpora conformance: every listed exception still names a corpus line', (_t, dir) => {
  const all = FILES.flatMap((f) => readCorpus(join(dir, f)).map((r) => r.line));
  for (const s of Object.keys(EXCEPTIONS)) assert.ok(all.some((l) => l.includes(s)), `exception "${s}" matches no corpus line`);
});
