/**
 * The ingest path end to end on real files: resume, rotation, compression, malformed input. Uses
 * nginx combined lines; each test gets its own database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { combinedLines, tempDir } from '../helpers.js';

const count = (db: ReturnType<typeof openStore>, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

test('reingest_same_file_stores_nothing_twice', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  writeFileSync(log, combinedLines(500).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r1 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r1.files[0]!.records, 500);
  assert.equal(r1.files[0]!.type, 'nginx-access');
  const r2 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r2.files[0]!.records, 0);
  assert.equal(r2.files[0]!.skipped, 500);
  assert.equal(count(db, 'nginx_access'), 500);
  db.close();
});

test('grown_file_is_read_from_the_checkpoint', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const lines = combinedLines(300);
  writeFileSync(log, lines.slice(0, 200).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  await ingestPaths(db, [log], { tz: 'UTC' });
  appendFileSync(log, lines.slice(200).join('\n') + '\n');
  const r = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual([r.files[0]!.records, r.files[0]!.skipped, r.files[0]!.lines], [100, 200, 300]);
  const lineNos = db.prepare('SELECT min(line_no) AS lo, max(line_no) AS hi, count(DISTINCT line_no) AS n FROM nginx_access').get();
  assert.deepEqual(lineNos, { lo: 1, hi: 300, n: 300 });
  db.close();
});

const indexes = (db: ReturnType<typeof openStore>, like: string) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE ? ORDER BY name").all(like) as { name: string }[]).map((r) => r.name);

test('a_partial_last_line_that_grew_is_stored_once_whole', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const lines = combinedLines(300);
  // the writer was cut mid-line: 200 whole lines, then half of the 201st with no newline
  const cut = lines[200]!.slice(0, 40);
  writeFileSync(log, lines.slice(0, 200).join('\n') + '\n' + cut);
  const db = openStore(join(dir, 'd.db'));
  const r1 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual([r1.files[0]!.records, r1.files[0]!.rejected], [200, 1], 'the half line is kept as a reject, not lost');
  // a fresh store builds no (file_id, line_no) index: nothing needed one yet
  assert.deepEqual(indexes(db, '%_file_line'), []);
  appendFileSync(log, lines[200]!.slice(40) + '\n' + lines.slice(201).join('\n') + '\n');
  const r2 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r2.files[0]!.records, 100);
  assert.equal(count(db, 'nginx_access'), 300);
  assert.equal(count(db, 'rejects'), 0, 'the half line\'s reject went when the whole line came');
  const line201 = db.prepare('SELECT count(*) AS n, min(request) AS request FROM nginx_access WHERE line_no = 201').get();
  assert.deepEqual(line201, { n: 1, request: /"([^"]*)"/.exec(lines[200]!)![1] });
  const file = db.prepare('SELECT records, rejected FROM files').get();
  assert.deepEqual(file, { records: 300, rejected: 0 }, 'the file\'s totals count the grown line once');
  // forgetting the line built the indexes it deletes by
  assert.ok(indexes(db, '%_file_line').includes('nginx_access_file_line'));
  db.close();
});

test('rotated_gzip_copy_is_recognised_by_content', async (t) => {
  const dir = tempDir(t);
  const lines = combinedLines(400);
  const live = join(dir, 'access.log');
  writeFileSync(live, lines.slice(0, 250).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  await ingestPaths(db, [live], { tz: 'UTC' });
  // logrotate: the file grew to 400 lines, then was rotated and compressed under another name
  const rotated = join(dir, 'access.log.2.gz');
  writeFileSync(rotated, gzipSync(Buffer.from(lines.join('\n') + '\n')));
  const r = await ingestPaths(db, [rotated], { tz: 'UTC' });
  assert.deepEqual([r.files[0]!.records, r.files[0]!.skipped], [150, 250]);
  assert.equal(count(db, 'nginx_access'), 400);
  const names = db.prepare('SELECT path FROM file_names ORDER BY path').all().map((x) => (x as { path: string }).path);
  assert.deepEqual(names, [live, rotated]);
  db.close();
});

test('malformed_lines_go_to_rejects_with_line_and_reason', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const good = combinedLines(5);
  const content = [good[0], 'this is not an access line', good[1], good[2] + '\r', Buffer.from([0xff, 0xfe]).toString('latin1'), good[3], good[4]].join('\n') + '\n';
  writeFileSync(log, Buffer.concat([Buffer.from(content.split('\xff\xfe')[0]!), Buffer.from([0xff, 0xfe]), Buffer.from(content.split('\xff\xfe')[1]!)]));
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r.files[0]!.records, 5, 'the CRLF line parses too');
  assert.equal(r.files[0]!.rejected, 2);
  const rejects = db.prepare('SELECT line_no, reason, raw FROM rejects ORDER BY line_no').all() as { line_no: number; reason: string; raw: string }[];
  assert.deepEqual(rejects.map((x) => x.line_no), [2, 5]);
  assert.ok(rejects.every((x) => x.reason.length > 10), 'every reject says why');
  assert.match(rejects[1]!.reason, /invalid UTF-8/);
  db.close();
});

test('nul_bytes_and_a_one_megabyte_line_do_not_stop_the_file', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const good = combinedLines(3);
  writeFileSync(log, [good[0], 'GET \0\0\0 junk', 'x'.repeat(1024 * 1024 + 10), good[1], good[2]].join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [log], { type: 'nginx-access', tz: 'UTC' });
  assert.deepEqual([r.files[0]!.records, r.files[0]!.rejected, r.files[0]!.lines], [3, 2, 5]);
  const long = db.prepare('SELECT reason, raw_bytes, length(raw) AS kept FROM rejects WHERE line_no = 3').get() as { reason: string; raw_bytes: number; kept: number };
  assert.match(long.reason, /longer than/);
  assert.equal(long.raw_bytes, 1024 * 1024 + 10);
  assert.ok(long.kept <= 64 * 1024);
  db.close();
});

test('truncated_last_line_is_stored_then_replaced_when_it_grows', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'access.log');
  const lines = combinedLines(3);
  const cut = lines[2]!.slice(0, 40);
  writeFileSync(log, lines[0] + '\n' + lines[1] + '\n' + cut);
  const db = openStore(join(dir, 'd.db'));
  const r1 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual([r1.files[0]!.records, r1.files[0]!.rejected], [2, 1]);
  assert.match((db.prepare('SELECT reason FROM rejects').get() as { reason: string }).reason, /no newline/);
  // unchanged: nothing new
  const r2 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.deepEqual([r2.files[0]!.records, r2.files[0]!.rejected, r2.files[0]!.skipped], [0, 0, 3]);
  // the writer finishes the line: the reject is replaced by the record
  appendFileSync(log, lines[2]!.slice(40) + '\n');
  const r3 = await ingestPaths(db, [log], { tz: 'UTC' });
  assert.equal(r3.files[0]!.records, 1);
  assert.equal(count(db, 'nginx_access'), 3);
  assert.equal(count(db, 'rejects'), 0);
  assert.deepEqual(db.prepare('SELECT records, rejected FROM files').get(), { records: 3, rejected: 0 });
  db.close();
});

test('stdin_and_directories_and_globs', async (t) => {
  const dir = tempDir(t);
  const lines = combinedLines(30);
  writeFileSync(join(dir, 'a.log'), lines.slice(0, 10).join('\n') + '\n');
  writeFileSync(join(dir, 'b.log.1'), lines.slice(10, 20).join('\n') + '\n');
  writeFileSync(join(dir, 'README.md'), '# not a log\n');
  const db = openStore(join(dir, 'd.db'));
  const r1 = await ingestPaths(db, [dir], { tz: 'UTC' });
  assert.deepEqual(r1.files.map((f) => f.records), [10, 10], 'README.md is not read');
  const stdin = new PassThrough();
  stdin.end(gzipSync(Buffer.from(lines.slice(20).join('\n') + '\n')));
  const r2 = await ingestPaths(db, ['-'], { tz: 'UTC', stdin });
  assert.equal(r2.files[0]!.records, 10);
  const r3 = await ingestPaths(db, [join(dir, '*.log*')], { tz: 'UTC' });
  assert.deepEqual(r3.files.map((f) => f.skipped), [10, 10]);
  db.close();
});

test('unreadable_path_is_reported_after_the_others', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.log'), combinedLines(3).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [join(dir, 'missing.log'), join(dir, 'a.log')], { tz: 'UTC' });
  assert.equal(r.files.length, 1);
  assert.equal(r.files[0]!.records, 3);
  assert.deepEqual(r.problems.map((p) => p.reason), ['no such file or directory']);
  db.close();
});

test('a_file_no_signature_fits_is_reported_not_guessed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'mystery.log'), 'hello world\nsomething else\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [join(dir, 'mystery.log')], { tz: 'UTC' });
  assert.equal(r.files[0]!.type, null);
  assert.match(r.files[0]!.unplaced ?? '', /cannot tell which layer wrote .*--type/);
  assert.equal(r.problems.length, 0, 'reported as a warning: nothing was unreadable');
  assert.equal(count(db, 'files'), 0);
  db.close();
});

test('access_log_preset_is_chosen_from_its_lines_and_a_custom_format_asks_for_log_format', async (t) => {
  const dir = tempDir(t);
  const main = join(dir, 'main.log');
  writeFileSync(main, combinedLines(20).map((l) => `${l} "203.0.113.9"`).join('\n') + '\n');
  const custom = join(dir, 'custom.log');
  writeFileSync(custom, combinedLines(20).map((l) => `${l} rt=0.012 rid=abc`).join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [main, custom], { tz: 'UTC' });
  assert.equal(r.files[0]!.records, 20);
  assert.match(r.files[0]!.decided, /format main/);
  assert.equal(r.files[1]!.records, 0);
  assert.match(r.files[1]!.unplaced ?? '', /--log-format/);
  assert.deepEqual(r.problems, []);
  const withFormat = await ingestPaths(db, [custom], { tz: 'UTC', logFormat: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time rid=$request_id' });
  assert.equal(withFormat.files[0]!.records, 20);
  assert.equal((db.prepare('SELECT request_time_ms AS t, request_id AS id FROM nginx_access WHERE file_id = ? LIMIT 1').get(withFormat.files[0]!.fileId) as { t: number; id: string }).t, 12);
  db.close();
});
