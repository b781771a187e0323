/**
 * The CLI on delivered logs: an input that gives nothing exits 1 and is listed among the report's
 * inputs with its reason; a compose stream feeding gunicorn's table is not reported "without gunicorn's
 * log"; --layer-of is parsed, and a bad one is a usage error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { combinedLines, runCliCaptured, tempDir } from '../helpers.js';

const GUNICORN = [
  '[2023-11-14 22:13:20 +0000] [7] [INFO] Booting worker with pid: 8',
  '[2023-11-14 22:13:25 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:8)',
];

test('analyze_lists_an_input_that_gave_nothing_and_exits_1', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'access.log');
  const bad = join(dir, 'iso-access.log');
  const custom = join(dir, 'custom-access.log');
  writeFileSync(good, combinedLines(20).join('\n') + '\n');
  // the status before the request line: no preset's, read under --type into a reject per line
  writeFileSync(bad, '2024-03-04T05:06:07+00:00 192.0.2.7 200 "GET /a HTTP/1.1"\n'.repeat(3));
  // "$request" then $status: a custom log_format, reported unread with its reason under --type too
  writeFileSync(custom, '2024-03-04T05:06:07+00:00 192.0.2.7 "GET /a HTTP/1.1" 200\n'.repeat(3));
  const r = await runCliCaptured(['analyze', '--db', join(dir, 'd.db'), '--tz', 'UTC', '--type', 'nginx-access', good, bad, custom]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /iso-access\.log: every line was rejected \(3 of 3; line 1: .*--log-format/);
  assert.match(r.stderr, /custom-access\.log: cannot read \S+: its lines look like nginx access lines in a custom log_format/);
  assert.match(r.stdout, /gave nothing:\n\s+\S*iso-access\.log: every line was rejected.*\n\s+\S*custom-access\.log: cannot read/);
  assert.match(r.stdout, /20 requests/);
});

test('a_compose_stream_with_gunicorn_is_not_reported_without_gunicorns_log', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'compose.log');
  const access = combinedLines(4);
  writeFileSync(log, [`proxy-1  | ${access[0]}`, `api-1    | ${GUNICORN[0]}`, `proxy-1  | ${access[1]}`, `api-1    | ${GUNICORN[1]}`, `proxy-1  | ${access[2]}`].join('\n') + '\n');
  const r = await runCliCaptured(['analyze', '--db', join(dir, 'd.db'), '--tz', 'UTC', '--format', 'json', log]);
  assert.equal(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { gaps: { id: string }[]; inputs: { type: string; problem: string | null }[] };
  assert.ok(!report.gaps.some((g) => g.id === 'no-gunicorn-log'), JSON.stringify(report.gaps.map((g) => g.id)));
  assert.deepEqual(report.inputs.map((i) => [i.type, i.problem]), [['mixed', null]]);
  assert.match(r.stderr, /nginx-access 3, gunicorn 2/);
  const json = await runCliCaptured(['ingest', '--db', join(dir, 'e.db'), '--tz', 'UTC', '--json', log]);
  const summary = JSON.parse(json.stdout) as { files: { layers: Record<string, number>; delivery: string }[] };
  assert.deepEqual([summary.files[0]!.layers, summary.files[0]!.delivery], [{ 'nginx-access': 3, gunicorn: 2 }, 'compose']);
});

test('layer_of_is_a_usage_error_when_malformed', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'a.log');
  writeFileSync(log, combinedLines(2).join('\n') + '\n');
  const r = await runCliCaptured(['ingest', '--db', join(dir, 'd.db'), '--layer-of', 'proxy=squid', log]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--layer-of: "squid" in "proxy=squid" is not a layer/);
});
