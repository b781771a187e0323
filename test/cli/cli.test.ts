/** The CLI end to end through runCli: exit codes, output shapes and the stable NDJSON contract. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { packageVersion } from '../../src/cli/program.js';
import { openStore } from '../../src/store/open.js';
import { MIGRATIONS } from '../../src/store/sql/schema.js';
import Database from 'better-sqlite3';

const combined = () => join(repoRoot(), 'samples/combined/logs');

test('version_and_help', async () => {
  const v = await runCliCaptured(['--version']);
  assert.equal(v.exitCode, 0);
  assert.equal(v.stdout.trim(), packageVersion());
  const h = await runCliCaptured(['--help']);
  for (const cmd of ['ingest', 'analyze', 'report', 'requests', 'trace', 'correlate', 'query', 'audit', 'probe']) assert.match(h.stdout, new RegExp(`\\n  ${cmd}\\b`));
});

test('ingest_json_summary_has_the_documented_keys', async (t) => {
  const db = join(tempDir(t), 'd.db');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', '--json', combined()]);
  assert.equal(r.exitCode, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { files: Record<string, unknown>[] };
  assert.equal(s.files.length, 3);
  for (const f of s.files) for (const k of ['path', 'type', 'lines', 'records', 'rejected', 'skipped']) assert.ok(k in f, k);
  assert.deepEqual(s.files.map((f) => f.type).sort(), ['gunicorn', 'nginx-access', 'nginx-error']);
  const again = JSON.parse((await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', '--json', combined()])).stdout) as { files: { records: number; skipped: number; lines: number }[] };
  assert.ok(again.files.every((f) => f.records === 0 && f.skipped === f.lines));
});

test('unreadable_path_exits_1_after_ingesting_the_rest', async (t) => {
  const db = join(tempDir(t), 'd.db');
  const r = await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', join(combined(), 'nope.log'), join(combined(), 'access.log')]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /nope\.log: no such file or directory/);
  assert.match(r.stdout, /access\.log\s+nginx-access/);
});

test('usage_errors_exit_2_with_the_fix', async (t) => {
  const db = join(tempDir(t), 'd.db');
  const bad = await runCliCaptured(['ingest', '--db', db, '--type', 'apache', combined()]);
  assert.equal(bad.exitCode, 2);
  const tz = await runCliCaptured(['ingest', '--db', db, '--tz', 'Mars/Olympus', combined()]);
  assert.equal(tz.exitCode, 2);
  assert.match(tz.stderr, /unknown time zone "Mars\/Olympus": use an IANA name/);
  const from = await runCliCaptured(['requests', '--db', db, '--from', 'yesterday-ish']);
  assert.equal(from.exitCode, 2);
  assert.match(from.stderr, /cannot read "yesterday-ish" as a time/);
});

test('requests_ndjson_is_the_documented_contract', async (t) => {
  const db = join(tempDir(t), 'd.db');
  await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', combined()]);
  const r = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(r.exitCode, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(rows.length > 50);
  const keys = ['end', 'start', 'method', 'uri', 'path', 'status', 'request_id', 'request_time_s', 'attempts', 'verdict', 'silent', 'wasted_work', 'retried', 'stalled', 'keepalive_race', 'app', 'worker', 'error_log'];
  for (const row of rows) for (const k of keys) assert.ok(k in row, `${k} missing`);
  assert.ok(rows.every((x) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(x.end as string)));
  const crash = rows.find((x) => x.verdict === 'worker_crash');
  assert.ok(crash && (crash.worker as { pid: number }).pid > 0, 'a worker_crash names its worker');
  const only = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson', '--verdict', 'client_abort']);
  assert.ok(only.stdout.trim().split('\n').every((l) => (JSON.parse(l) as { verdict: string }).verdict === 'client_abort'));
});

test('trace_cites_file_and_line_for_every_layer', async (t) => {
  const db = join(tempDir(t), 'd.db');
  await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', combined()]);
  const ids = await runCliCaptured(['query', '--db', db, '--format', 'json', "SELECT a.uri FROM request_verdicts v JOIN nginx_access a ON a.id = v.access_id WHERE v.verdict = 'worker_timeout' LIMIT 1"]);
  const uri = (JSON.parse(ids.stdout) as { uri: string }[])[0]!.uri;
  const r = await runCliCaptured(['trace', '--db', db, uri]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /verdict: worker_timeout/);
  assert.match(r.stdout, /nginx-error .*\n.*↳ .*error\.log:\d+/);
  assert.match(r.stdout, /gunicorn .*WORKER TIMEOUT.*\n.*↳ .*gunicorn\.log:\d+/);
  assert.match(r.stdout, /access\.log:\d+/);
  const none = await runCliCaptured(['trace', '--db', db, 'no-such-request-anywhere']);
  assert.equal(none.exitCode, 1);
});

test('query_is_read_only', async (t) => {
  const db = join(tempDir(t), 'd.db');
  await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', join(combined(), 'access.log')]);
  const w = await runCliCaptured(['query', '--db', db, 'DELETE FROM nginx_access']);
  assert.equal(w.exitCode, 1);
  assert.match(w.stderr, /read-only/);
  const csv = await runCliCaptured(['query', '--db', db, '--format', 'csv', 'SELECT status, count(*) AS n FROM nginx_access GROUP BY status ORDER BY status']);
  assert.match(csv.stdout, /^status,n\n200,\d+/);
});

test('correlate_rebuild_gives_the_same_verdicts', async (t) => {
  const db = join(tempDir(t), 'd.db');
  await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', combined()]);
  const before = (await runCliCaptured(['requests', '--db', db, '--format', 'ndjson'])).stdout;
  const r = await runCliCaptured(['correlate', '--db', db, '--rebuild']);
  assert.match(r.stdout, /requests correlated/);
  assert.equal((await runCliCaptured(['requests', '--db', db, '--format', 'ndjson'])).stdout, before);
});

test('incremental_correlation_after_a_late_log_equals_a_full_one', async (t) => {
  const dir = tempDir(t);
  const late = join(dir, 'late.db');
  const once = join(dir, 'once.db');
  const logs = combined();
  await runCliCaptured(['ingest', '--db', late, '--tz', 'UTC', join(logs, 'access.log'), join(logs, 'error.log')]);
  const early = (await runCliCaptured(['requests', '--db', late, '--format', 'ndjson', '--verdict', 'worker_timeout'])).stdout;
  assert.equal(early.trim(), '', 'without gunicorn\'s log no worker death is known');
  await runCliCaptured(['ingest', '--db', late, '--tz', 'UTC', join(logs, 'gunicorn.log')]);
  await runCliCaptured(['ingest', '--db', once, '--tz', 'UTC', logs]);
  const a = (await runCliCaptured(['requests', '--db', late, '--format', 'ndjson'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { verdict: string }).verdict);
  const b = (await runCliCaptured(['requests', '--db', once, '--format', 'ndjson'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { verdict: string }).verdict);
  assert.deepEqual(a, b);
  assert.ok(a.includes('worker_timeout'));
});

test('ingest_leaves_correlation_to_the_first_command_that_reads_verdicts', async (t) => {
  const dir = tempDir(t);
  const lazy = join(dir, 'lazy.db');
  const eager = join(dir, 'eager.db');
  assert.equal((await runCliCaptured(['ingest', '--db', lazy, '--tz', 'UTC', combined()])).exitCode, 0);
  assert.equal((await runCliCaptured(['ingest', '--db', eager, '--tz', 'UTC', '--correlate', combined()])).exitCode, 0);
  const count = (path: string) => {
    const db = openStore(path, { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM request_verdicts').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  assert.equal(count(lazy), 0, 'plain ingest stores rows only');
  assert.ok(count(eager) > 50, '--correlate correlates before returning');
  // The first command that reads verdicts catches up, and sees what an eager ingest saw.
  const a = await runCliCaptured(['requests', '--db', lazy, '--format', 'ndjson']);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(a.stdout, (await runCliCaptured(['requests', '--db', eager, '--format', 'ndjson'])).stdout);
  assert.equal(count(lazy), count(eager));
  assert.match((await runCliCaptured(['correlate', '--db', lazy])).stdout, /nothing to correlate/);
  const report = async (path: string) => {
    const r = JSON.parse((await runCliCaptured(['report', '--db', path, '--format', 'json', '--tz', 'UTC'])).stdout) as Record<string, unknown>;
    delete r['generated_at'];
    return JSON.stringify(r);
  };
  assert.ok((await report(lazy)) === (await report(eager)), 'the report is the same either way');
});

test('query_over_verdicts_correlates_first_and_over_log_tables_does_not', async (t) => {
  const db = join(tempDir(t), 'd.db');
  await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', join(combined(), 'access.log')]);
  const runs = async () => (JSON.parse((await runCliCaptured(['query', '--db', db, '--format', 'json', 'SELECT count(*) AS n FROM correlation_runs'])).stdout) as { n: number }[])[0]!.n;
  const logOnly = await runCliCaptured(['query', '--db', db, '--format', 'json', 'SELECT count(*) AS n FROM nginx_access']);
  assert.ok((JSON.parse(logOnly.stdout) as { n: number }[])[0]!.n > 50);
  assert.equal(await runs(), 1, 'reading correlation_runs correlated the pending rows once');
  assert.equal(await runs(), 1, 'and nothing is pending afterwards');
});

test('a_database_from_before_lazy_correlation_is_not_correlated_again', async (t) => {
  const dir = tempDir(t);
  const now = join(dir, 'now.db');
  await runCliCaptured(['ingest', '--db', now, '--tz', 'UTC', '--correlate', combined()]);
  // What the previous release left: every ingest correlated, and no correlation_marks table. Made
  // with migrations 1-5 and filled from today's database, column by column (the migrations run in
  // one transaction: a later migration's object left behind would fail them all).
  const db = join(dir, 'd.db');
  const old = new Database(db);
  for (const m of MIGRATIONS.slice(0, 5)) old.exec(m);
  old.pragma('user_version = 5');
  old.exec(`ATTACH '${now}' AS now`);
  for (const { name } of old.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
    const cols = (old.prepare(`SELECT name FROM pragma_table_info('${name}')`).all() as { name: string }[]).map((c) => c.name).join(', ');
    old.exec(`INSERT INTO main.${name} (${cols}) SELECT ${cols} FROM now.${name}`);
  }
  old.exec('DETACH now');
  old.close();
  const runs = async () => (JSON.parse((await runCliCaptured(['query', '--db', db, '--format', 'json', 'SELECT count(*) AS n FROM correlation_runs'])).stdout) as { n: number }[])[0]!.n;
  assert.equal(await runs(), 1, 'the migration marks the verdicts it found as covering every row');
});

test('analyze_and_report_leave_no_wal_files_beside_the_database', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'd.db');
  const a = await runCliCaptured(['analyze', '--db', db, '--tz', 'UTC', combined()]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.deepEqual(readdirSync(dir), ['d.db']);
  const r = await runCliCaptured(['report', '--db', db, '--format', 'json']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(readdirSync(dir), ['d.db']);
});

test('a reader that leaves early (| head) ends the command quietly, exit 0', async (t) => {
  const db = join(tempDir(t), 'd.db');
  assert.equal((await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', combined()])).exitCode, 0);
  const cli = join(repoRoot(), 'dist/src/cli/main.js');
  // `query` of every access row, twice over: more than a pipe buffer, so a write meets the closed pipe
  const child = spawn(process.execPath, [cli, 'query', '--db', db, '--format', 'json',
    'SELECT a.* FROM nginx_access a, nginx_access b'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('nothing ingested is an error, and a database the run created stays uncreated', async (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'garbage.log');
  writeFileSync(garbage, 'hello\nthese are not log lines\n');
  const g = await runCliCaptured(['ingest', '--db', join(dir, 'g.db'), '--tz', 'UTC', garbage]);
  assert.equal(g.exitCode, 1, 'a log file read as no layer stores nothing');
  assert.match(g.stderr, /garbage\.log: cannot read .*pass --type/);
  assert.match(g.stderr, /1 input\(s\) gave nothing; the other inputs were ingested/);
  const missing = await runCliCaptured(['ingest', '--db', join(dir, 'm.db'), '--tz', 'UTC', join(dir, 'nope.log')]);
  assert.equal(missing.exitCode, 1);
  const zone = await runCliCaptured(['ingest', '--db', join(dir, 'z.db'), '--tz', 'Bogus/Zone', garbage]);
  assert.equal(zone.exitCode, 2);
  const typo = await runCliCaptured(['correlate', '--db', join(dir, 'typo.db')]);
  assert.equal(typo.exitCode, 1);
  assert.match(typo.stderr, /run `droptrace ingest` first/);
  const a = await runCliCaptured(['analyze', '--db', join(dir, 'a.db'), '--tz', 'UTC', join(dir, 'nope.log')]);
  assert.equal(a.exitCode, 1);
  assert.doesNotMatch(a.stderr, /cannot open database/, 'no report is attempted on nothing');
  assert.deepEqual(readdirSync(dir).sort(), ['garbage.log'], 'no database left behind');
});

test('errors name the file: a log passed as --db, a report --out into no directory; probe of nothing listening exits 1', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, 'not a database\n'.repeat(300));
  const notDb = await runCliCaptured(['report', '--db', log]);
  assert.equal(notDb.exitCode, 1);
  assert.match(notDb.stderr, /access\.log is not a droptrace database/);
  const db = join(dir, 'd.db');
  assert.equal((await runCliCaptured(['ingest', '--db', db, '--tz', 'UTC', combined()])).exitCode, 0);
  const out = await runCliCaptured(['report', '--db', db, '--out', join(dir, 'no', 'such', 'r.html')]);
  assert.equal(out.exitCode, 1);
  assert.match(out.stderr, /cannot write the report to .*r\.html: no such directory/);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const probe = await runCliCaptured(['probe', `http://127.0.0.1:${port}/slow?seconds={s}`, '--max', '2']);
  assert.equal(probe.exitCode, 1, probe.stdout + probe.stderr);
  assert.match(probe.stdout, /Even the shortest wait failed/);
});

test('a log_format name the config does not define: the file is cited without a line, and the names it does define', async () => {
  const conf = join(repoRoot(), 'samples/timing/conf/nginx.conf');
  const r = await runCliCaptured(['ingest', '--db', '/nonexistent-dir/x.db', '--nginx-conf', conf, '--log-format-name', 'nosuch', join(repoRoot(), 'samples/timing/logs/access.log')]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /nginx\.conf: log_format "nosuch" is not defined .*defined: "timing" \(.*nginx\.conf:\d+\)/);
});
