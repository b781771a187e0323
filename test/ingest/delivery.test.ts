/**
 * Delivery end to end on real files: a wrapper never takes the declared format's time, one stream
 * feeds several tables, node-file symlinks are followed, the access format's escape mode survives a
 * resume, and an input that gives nothing is a failure with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { combinedLines, tempDir } from '../helpers.js';

type Db = ReturnType<typeof openStore>;
const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

const ISO_FORMAT = '$time_iso8601 $remote_addr "$request" $status $request_time';
const isoLines = (n: number) => Array.from({ length: n }, (_, i) => `2024-03-04T05:06:${String(i % 60).padStart(2, '0')}+00:00 192.0.2.7 "GET /r${i} HTTP/1.1" 200 0.012`);

test('time_iso8601_first_format_is_not_unwrapped_as_a_docker_timestamp', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, isoLines(40).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC', logFormat: ISO_FORMAT });
  assert.deepEqual([r.files[0]!.records, r.files[0]!.rejected, r.failures.length], [40, 0, 0]);
  assert.equal(r.files[0]!.delivery, '');
  db.close();
});

test('time_iso8601_first_format_under_docker_logs_t_is_unwrapped', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'proxy.log');
  writeFileSync(log, isoLines(10).map((l, i) => `2024-03-04T05:06:${String(i).padStart(2, '0')}.5Z ${l}`).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC', logFormat: ISO_FORMAT });
  assert.deepEqual([r.files[0]!.records, r.files[0]!.rejected, r.files[0]!.delivery], [10, 0, 'docker-timestamps']);
  db.close();
});

const GUNICORN = [
  '[2024-03-04 05:06:07 +0000] [7] [INFO] Booting worker with pid: 8',
  'INFO:     198.51.100.9:50000 - "GET /health HTTP/1.1" 200 OK',
  '[2024-03-04 05:06:12 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:8)',
];

test('compose_stream_feeds_each_layer_its_table_and_counts_lines_per_layer', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'compose.log');
  const access = combinedLines(6);
  const lines = [
    `proxy-1  | ${access[0]}`, `api-1    | ${GUNICORN[0]}`, `proxy-1  | ${access[1]}`, `api-1    | ${GUNICORN[1]}`,
    `proxy-1  | 2024/03/04 05:06:12 [error] 31#31: *5 upstream prematurely closed connection while reading response header from upstream, client: 192.0.2.7, server: _, request: "GET /x HTTP/1.1", upstream: "http://127.0.0.1:8000/x", host: "h"`,
    `api-1    | ${GUNICORN[2]}`, `proxy-1  | ${access[2]}`,
  ];
  writeFileSync(log, lines.join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  // typed as one layer, as a user would: the other layer's lines still go where they belong
  const r = await ingestPaths(db, [log], { tz: 'UTC', type: 'nginx-access' });
  const f = r.files[0]!;
  assert.equal(f.rejected, 0, f.firstReject);
  assert.equal(f.type, 'mixed');
  assert.deepEqual(f.layers, { 'nginx-access': 3, gunicorn: 3, 'nginx-error': 1 });
  // gunicorn's stream: two gunicorn events, and uvicorn's access line as the app server's answer
  assert.deepEqual([count(db, 'nginx_access'), count(db, 'nginx_error'), count(db, 'server_log') + count(db, 'app_requests')], [3, 1, 3]);
  // the reading is stored: a grown file resumes routed the same way
  appendFileSync(log, `api-1    | ${GUNICORN[0]}\nproxy-1  | ${access[3]}\n`);
  const r2 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual([r2.files[0]!.records, r2.files[0]!.rejected, r2.files[0]!.layers], [2, 0, { gunicorn: 1, 'nginx-access': 1 }]);
  db.close();
});

test('layer_of_places_stream_names_that_say_nothing', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'compose.log');
  // "web" serves nginx, "worker" runs gunicorn; a name with no line of its own kind would be guessed by shape
  writeFileSync(log, [`web-1     | ${combinedLines(1)[0]}`, `worker-1  | ${GUNICORN[1]}`, `worker-1  | ${GUNICORN[0]}`].join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC', layerOf: { web: 'nginx', worker: 'gunicorn' } });
  assert.deepEqual(r.files[0]!.layers, { 'nginx-access': 1, gunicorn: 2 });
  db.close();
});

test('kubernetes_node_file_symlinks_are_followed_and_a_loop_is_walked_once', async (t) => {
  const dir = tempDir(t);
  const pods = join(dir, 'pods', 'default_api-7d9c_uid', 'api');
  mkdirSync(pods, { recursive: true });
  writeFileSync(join(pods, '0.log'), GUNICORN.map((l, i) => `2024-03-04T05:06:0${i}.000000001Z stderr F ${l}`).join('\n') + '\n');
  const containers = join(dir, 'containers');
  mkdirSync(containers);
  symlinkSync(join(pods, '0.log'), join(containers, 'api-7d9c_default_api-abc.log'));
  symlinkSync(dir, join(containers, 'loop')); // a link back up the tree
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [containers], { tz: 'UTC' });
  assert.deepEqual(r.problems, []);
  const read = r.files.filter((f) => f.records > 0);
  assert.equal(read.length, 1, JSON.stringify(r.files.map((f) => f.path)));
  assert.deepEqual([read[0]!.delivery, read[0]!.records], ['cri', 3]);
  const viaGlob = await ingestPaths(db, [join(containers, '*.log')], { tz: 'UTC' });
  assert.deepEqual(viaGlob.files.map((f) => f.path), [join(containers, 'api-7d9c_default_api-abc.log')]);
  db.close();
});

test('escape_mode_travels_with_the_format_and_survives_a_resume', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const format = '$remote_addr\t[$time_local]\t"$request"\t$status\t"$http_user_agent"';
  const line = (i: number) => `192.0.2.7\t[04/Mar/2024:05:06:07 +0000]\t"GET /r${i} HTTP/1.1"\t200\t"agent \\"quoted\\" ${i}"`;
  writeFileSync(log, [line(1), line(2)].join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  await ingestPaths(db, [log], { tz: 'UTC', logFormat: { format, escape: 'json' } });
  appendFileSync(log, line(3) + '\n');
  const r = await ingestPaths(db, [log], { tz: 'UTC' }); // no --log-format: the stored one is used
  assert.deepEqual([r.files[0]!.records, r.files[0]!.rejected], [1, 0]);
  const agents = db.prepare('SELECT user_agent FROM nginx_access ORDER BY line_no').all().map((x) => (x as { user_agent: string }).user_agent);
  assert.deepEqual(agents, ['agent "quoted" 1', 'agent "quoted" 2', 'agent "quoted" 3']);
  db.close();
});

test('an_input_whose_every_line_is_rejected_is_a_failure_and_the_others_are_ingested', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'a-access.log');
  const bad = join(dir, 'b-access.log');
  writeFileSync(good, combinedLines(5).join('\n') + '\n');
  // status before the request line: no preset's, and not the custom shape detection names (that is reported unread, not rejected)
  writeFileSync(bad, isoLines(5).map((l) => l.replace(/^(\S+) (\S+) ("[^"]*") (\d{3})/, '$1 $2 $4 $3')).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [good, bad], { tz: 'UTC', type: 'nginx-access' });
  assert.equal(count(db, 'nginx_access'), 5);
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0]!.path, bad);
  assert.match(r.failures[0]!.reason, /every line was rejected \(5 of 5; line 1: .*--log-format/);
  db.close();
});

test('known_content_offered_under_another_type_says_so_and_how_to_read_it', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'gunicorn.log');
  writeFileSync(log, GUNICORN.join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r1 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual(r1.failures, []);
  const r2 = await ingestPaths(db, [log], { tz: 'UTC', type: 'app' });
  assert.equal(r2.failures.length, 1);
  assert.match(r2.failures[0]!.reason, /ingested before as gunicorn .* not read again as app.*--db/);
  const r3 = await ingestPaths(db, [log], { tz: 'UTC', type: 'gunicorn' });
  assert.deepEqual(r3.failures, []);
  db.close();
});

test('an_undecidable_input_is_a_failure_with_the_flag_that_fixes_it', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'notes.log');
  writeFileSync(log, 'hello\nworld\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r.failures.length, 1);
  assert.match(r.failures[0]!.reason, /--type/);
  db.close();
});
