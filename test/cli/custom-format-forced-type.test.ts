/**
 * An nginx access log in a custom log_format, given with `--type nginx-access`: the user vouched for
 * the layer, not for a preset, so it is as loud as when detection finds it (test/ingest/custom-log-
 * format.test.ts): nothing read under a preset's guess, the reason that names the custom log_format,
 * exit 1, and the suggested log_format printed once for the file, not a reject per line. In a stream of
 * several (--layer-of) the other streams are still read: the nginx stream's lines are rejects, and the
 * reason and the suggested format are said once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured, tempDir } from '../helpers.js';

const ISO = [
  '2025-06-14T08:30:12+02:00 198.51.100.23 "PUT /orders/71 HTTP/1.1" 504 0 rt=60.002 urt="60.001" rid=7f3a9c',
  '2025-06-14T08:30:13+02:00 198.51.100.24 "GET /orders HTTP/1.1" 200 1834 rt=0.031 urt="0.030" rid=7f3a9d',
  '2025-06-14T08:30:14+02:00 198.51.100.25 "GET /orders/72 HTTP/1.1" 404 12 rt=0.004 urt="0.004" rid=7f3a9e',
];
const HINT = `--log-format '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent rt=? urt="?" rid=?'`;
const REASON = /look like nginx access lines in a custom log_format \(3 of the first 3/;

const count = (text: string, part: string): number => text.split(part).length - 1;

test('ingest --type nginx-access on a custom log_format: the same reason, exit status and single hint as detection gives, no per-line rejects', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, ISO.join('\n') + '\n');
  const auto = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', join(dir, 'auto.db'), log]);
  const forced = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', join(dir, 'forced.db'), '--type', 'nginx-access', log]);
  assert.equal(auto.exitCode, 1, auto.stderr);
  assert.equal(forced.exitCode, auto.exitCode);
  for (const run of [auto, forced]) {
    assert.match(run.stderr, REASON);
    assert.equal(count(run.stdout + run.stderr, HINT), 1, `the guess once:\n${run.stdout}${run.stderr}`);
    assert.doesNotMatch(run.stdout + run.stderr, /malformed line|every line was rejected|does not match log_format "combined"/);
  }
  // the same words on stderr, whichever way the type was decided
  assert.equal(forced.stderr, auto.stderr);

  const json = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', join(dir, 'json.db'), '--type', 'nginx-access', '--json', log]);
  assert.equal(json.exitCode, 1);
  const file = (JSON.parse(json.stdout) as { files: { records: number; rejected: number; error: string | null; hint: string | null }[] }).files[0]!;
  assert.deepEqual([file.records, file.rejected], [0, 0]);
  assert.match(file.error ?? '', REASON);
  assert.ok(file.hint?.endsWith(HINT), file.hint ?? 'no hint');
});

test('--type nginx-access still reads a damaged log of a preset with its bad lines as rejects', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, [
    '203.0.113.9 - - [14/Jun/2025:08:30:12 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8.0"',
    '203.0.113.9 - - [14/Jun/2025:08:30:13 +0000] "GET /b HTTP/1.1" 200 5 "-" "curl/8.0"',
    'garbage the disk left here',
  ].join('\n') + '\n');
  const run = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', join(dir, 'd.db'), '--type', 'nginx-access', '--json', log]);
  const file = (JSON.parse(run.stdout) as { files: { records: number; rejected: number; hint: string | null }[] }).files[0]!;
  assert.deepEqual([file.records, file.rejected, file.hint], [2, 1, null]);
});

test('a compose stream whose nginx stream is in a custom log_format: the other streams are read, the nginx lines are rejects, and the reason and the guess are said once', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'compose.log');
  writeFileSync(log, [
    `proxy_1  | ${ISO[0]}`,
    'api_1    | [2025-06-14 06:30:12 +0000] [41] [INFO] Booting worker with pid: 41',
    `proxy_1  | ${ISO[1]}`,
    `proxy_1  | ${ISO[2]}`,
  ].join('\n') + '\n');
  const run = await runCliCaptured(['ingest', '--tz', 'UTC', '--db', join(dir, 'd.db'), '--layer-of', 'proxy_1=nginx,api_1=gunicorn', log]);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /compose\.log\s+mixed\s+4\s+1\s+3/);
  assert.equal(count(run.stderr, "its nginx stream's lines are kept as rejects: its lines look like nginx access lines in a custom log_format (3 of the first 3"), 1, run.stderr);
  assert.equal(count(run.stdout + run.stderr, HINT), 1, run.stdout);
});
