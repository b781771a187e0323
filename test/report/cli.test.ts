/** `droptrace report` and `analyze` from argv: exit codes, --fail-on, --since-last marks, --out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured, tempDir, combinedLines } from '../helpers.js';
import { buildFixtureDb, T0 } from './fixture.js';
import { openStore } from '../../src/store/open.js';

function fixture(t: { after: (fn: () => void) => void }): string {
  const { path, db } = buildFixtureDb(tempDir(t));
  db.close();
  return path;
}

test('report --fail-on: exit 3 and the rule that held on stderr; rules that do not hold leave 0', async (t) => {
  const db = fixture(t);
  const held = await runCliCaptured(['report', '--db', db, '--tz', 'UTC', '--format', 'json', '--fail-on', 'worker_timeout>=1', 'client_abort>10%']);
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
