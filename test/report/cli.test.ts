/** `droptrace report` and `analyze` from argv: exit codes, --fail-on, --since-last marks, --out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir, combinedLines } from '../helpers.js';
import { buildFixtureDb, T0 } from './fixture.js';
import { openStore } from '../../src/store/open.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';
import { correlateStoreIfPending } from '../../src/correlate/pending-correlation.js';
import { snapshotReportedVerdicts } from '../../src/correlate/revisions.js';

function fixture(t: { after: (fn: () => void) => void }): string {
  const { path, db } = buildFixtureDb(tempDir(t));
  db.close();
  return path;
}

test('report --fail-on: exit 3 and the rule that held on stderr; rules that do not hold leave 0', async (t) => {
  const db = fixture(t);
  const held = await runCliCaptured(['report', '--db', db, '--tz', 'UTC', '--format', 'json', '--fail-on', 'worker_timeout>=1', '--fail-on', 'client_abort>10%']);
  assert.equal(held.exitCode, 3);
  assert.match(held.stderr, /--fail-on worker_timeout>=1 held: worker_timeout = 2/);
  assert.doesNotMatch(held.stderr, /client_abort/);
  assert.equal(JSON.parse(held.stdout).version, 1, 'stdout holds only the report');
  const fine = await runCliCaptured(['report', '--db', db, '--tz', 'UTC', '--fail-on', 'client_abort>10%,silent>50%']);
  assert.equal(fine.exitCode, 0);
});

test('report: a bad rule, time or window is a usage error (exit 2) with the fix', async (t) => {
  const db = fixture(t);
  const r1 = await runCliCaptured(['report', '--db', db, '--fail-on', 'timeouts>1']);
  assert.equal(r1.exitCode, 2);
  assert.match(r1.stderr, /unknown name "timeouts"/);
  const r2 = await runCliCaptured(['report', '--db', db, '--from', 'yesterday']);
  assert.equal(r2.exitCode, 2);
  assert.match(r2.stderr, /--from: cannot read "yesterday"/);
  const r3 = await runCliCaptured(['report', '--db', db, '--last', '24h', '--from', '2024-05-01']);
  assert.equal(r3.exitCode, 2);
});

test('report --since-last: the first covers everything, the next only what arrived since', async (t) => {
  const path = fixture(t);
  const json = async () => {
    const r = await runCliCaptured(['report', '--db', path, '--since-last', '--format', 'json']);
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout) as { totals: { requests: number }; window: { since_last: { after_request_id: number; previous_report_at: string | null } } };
  };
  const first = await json();
  assert.equal(first.totals.requests, 81);
  assert.equal(first.window.since_last.previous_report_at, null);
  const second = await json();
  assert.equal(second.totals.requests, 0);
  assert.equal(second.window.since_last.after_request_id, 81);
  const db = openStore(path);
  db.prepare(`INSERT INTO nginx_access (id, file_id, line_no, offset, pattern, time_ms, method, uri, path, status, request_time_ms)
    VALUES (82, 1, 82, 0, 'x', ?, 'GET', '/late', '/late', 499, 5000)`).run(T0 + 900_000);
  db.prepare(`INSERT INTO request_verdicts (access_id, start_ms, end_ms, verdict, silent, wasted_work, retried, stalled, keepalive_race, explanation)
    VALUES (82, ?, ?, 'client_abort', 1, 0, 0, 0, 0, 'x')`).run(T0 + 895_000, T0 + 900_000);
  db.close();
  const third = await json();
  assert.equal(third.totals.requests, 1);
  assert.notEqual(third.window.since_last.previous_report_at, null);
});

type Revised = { count: number; changes: { from: string; to: string; count: number }[]; requests: { id: number; verdict: string; previous_verdict: string }[] };

/**
 * The timing sample with its gunicorn log a night late: a first --since-last report over nginx's
 * logs and the app's, then the gunicorn log ingested (the workers' deaths). `report()` runs the
 * next --since-last report and returns its `revised`.
 */
async function lateGunicornLog(t: { after: (fn: () => void) => void }) {
  const db = join(tempDir(t), 'late.db');
  const logs = join(repoRoot(), 'samples/timing/logs');
  const conf = ['--nginx-conf', join(repoRoot(), 'samples/timing/conf/nginx.conf'), '--log-format-name', 'timing'];
  const ingest = async (...files: string[]) =>
    assert.equal((await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', ...conf, ...files.map((f) => join(logs, f))])).exitCode, 0);
  const report = async (): Promise<Revised | null> => {
    const r = await runCliCaptured(['report', '--db', db, '--since-last', '--tz', 'UTC', '--format', 'json']);
    assert.equal(r.exitCode, 0, r.stderr);
    return (JSON.parse(r.stdout) as { window: { since_last: { revised: Revised | null } } }).window.since_last.revised;
  };
  await ingest('access.log', 'error.log', 'app.ndjson');
  assert.equal(await report(), null, 'the first report has nothing to revise');
  await ingest('gunicorn.log');
  return { db, report };
}

/**
 * What the timing sample's late gunicorn log changes: 5 crashes and 1 timeout nginx saw as 502s. The
 * timeout's attempts reached both servers (closed early) before "no live upstreams": without the
 * gunicorn log it is an upstream_error, never upstream_unavailable (no attempt was refused).
 */
const LATE_LOG_CHANGES = [
  { from: 'upstream_error', to: 'worker_crash', count: 5 },
  { from: 'upstream_error', to: 'worker_timeout', count: 1 },
];

test('report --since-last: verdicts that a late gunicorn log changed are listed once, by the next report', async (t) => {
  const { db, report } = await lateGunicornLog(t);
  const revised = await report();
  assert.ok(revised);
  assert.deepEqual(revised.changes, LATE_LOG_CHANGES);
  assert.equal(revised.count, 6);
  for (const r of revised.requests) assert.notEqual(r.previous_verdict, r.verdict);
  const v = openStore(db, { readonly: true });
  const now = v.prepare('SELECT verdict FROM request_verdicts WHERE access_id = ?');
  for (const r of revised.requests) assert.equal((now.get(r.id) as { verdict: string }).verdict, r.verdict);
  assert.equal((v.prepare('SELECT count(*) AS n FROM verdict_revisions').get() as { n: number }).n, 0, 'listed, then deleted by the mark');
  v.close();
  assert.equal((await report())?.count, 0, 'listed once: the next report has seen them');
});

test('report --since-last: a rebuild records the revisions too, and a rebuild that changes nothing records none', async (t) => {
  const { db, report } = await lateGunicornLog(t);
  assert.equal((await runCliCaptured(['correlate', '--rebuild', '--db', db])).exitCode, 0); // the full path
  assert.equal((await runCliCaptured(['correlate', '--rebuild', '--db', db])).exitCode, 0);
  assert.deepEqual((await report())?.changes, LATE_LOG_CHANGES);
});

test('report --since-last: a correlation killed after it deleted the verdicts loses no revision', async (t) => {
  const { db, report } = await lateGunicornLog(t);
  const store = openStore(db);
  // what a correlation does before it is killed: copy the reported verdicts, delete them
  assert.equal(snapshotReportedVerdicts(store, null), true);
  store.exec('DELETE FROM request_verdicts');
  store.prepare('UPDATE report_marks SET revision_id = NULL').run(); // a mark from before migration 7 reads as 0
  store.close();
  assert.equal((await runCliCaptured(['correlate', '--rebuild', '--db', db])).exitCode, 0);
  assert.deepEqual((await report())?.changes, LATE_LOG_CHANGES);
});

test('report --since-last with a time window is a usage error, before analyze ingests anything', async (t) => {
  const dir = tempDir(t);
  const r = await runCliCaptured(['report', '--db', join(dir, 'x.db'), '--since-last', '--last', '24h']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--since-last covers what was ingested since the previous --since-last report/);
  const a = await runCliCaptured(['analyze', '--db', join(dir, 'a.db'), '--since-last', '--from', '2026-01-01', join(repoRoot(), 'samples/combined/logs')]);
  assert.equal(a.exitCode, 2);
  assert.equal(existsSync(join(dir, 'a.db')), false, 'nothing ingested');
});

test('report --since-last: the revised verdicts in text, markdown and html', async (t) => {
  const { db } = await lateGunicornLog(t);
  correlateStoreIfPending(db);
  const store = openStore(db, { readonly: true });
  const { model } = buildReportModel(store, { sinceLast: true }); // builds without leaving a mark
  store.close();
  const text = renderReport(model, 'text', { color: false, zone: 'UTC' });
  assert.match(text, /revised since then: \d+ request\(s\) reported before have another verdict now/);
  assert.match(text, /upstream_error → worker_crash: 5/);
  assert.match(text, /was upstream_error, now worker_crash/);
  const md = renderReport(model, 'markdown', { zone: 'UTC' });
  assert.match(md, /\*\*Revised since then:\*\* \d+ request\(s\)/);
  assert.match(md, /`upstream_error` → `worker_crash` 5/);
  const html = renderReport(model, 'html', { zone: 'UTC' });
  assert.match(html, /Revised since then: \d+ request\(s\)/);
  assert.match(html, /was upstream_error, now worker_crash<\/li>/);
});

test('report --out writes the file; --format html has no colour codes', async (t) => {
  const dir = tempDir(t);
  const db = fixture(t);
  const out = join(dir, 'r.html');
  const r = await runCliCaptured(['report', '--db', db, '--format', 'html', '--out', out], { env: { FORCE_COLOR: '1' } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, '');
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.equal(html.includes('\u001b'), false);
});

test('analyze: ingests, correlates and reports; the ingest summary goes to stderr, the report to stdout', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, combinedLines(20).join('\n') + '\n');
  const r = await runCliCaptured(['analyze', log, '--db', join(dir, 'a.db'), '--tz', 'UTC', '--format', 'json', '--fail-on', 'requests<1']);
  assert.equal(r.exitCode, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { totals: { requests: number }; gaps: { id: string }[] };
  assert.equal(m.totals.requests, 20);
  assert.ok(m.gaps.some((g) => g.id === 'no-request-time'), 'combined has no $request_time');
  assert.ok(m.gaps.some((g) => g.id === 'no-gunicorn-log'));
  assert.match(r.stderr, /access\.log/);
});

test('report json: a wrong --tz is named once per zone-less log, under distinct gap ids', async (t) => {
  const db = join(tempDir(t), 'zone.db');
  // samples/zone was recorded in Asia/Kolkata (+05:30); read here as UTC
  assert.equal((await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', join(repoRoot(), 'samples/zone/logs')])).exitCode, 0);
  const r = await runCliCaptured(['report', '--db', db, '--format', 'json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const ids = (JSON.parse(r.stdout) as { gaps: { id: string; what: string }[] }).gaps.map((g) => g.id);
  assert.equal(new Set(ids).size, ids.length, `gap ids repeat: ${ids.join(', ')}`);
  assert.ok(ids.includes('clock-offset-error-log'), ids.join(', '));
  assert.ok(ids.includes('clock-offset-app-log'), ids.join(', '));
});
