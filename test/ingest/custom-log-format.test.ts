/**
 * An nginx access log in a log_format no preset has (led by $time_iso8601 or $msec): detection says it
 * is nginx's, ingest reads nothing without its log_format (exit 1 in the CLI) and says what to pass,
 * with a suggested format labelled as a guess; with --log-format it is read in full. Other layers'
 * request lines (a Python process's, gunicorn's stream, HAProxy's) stay theirs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectSource } from '../../src/ingest/detect.js';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { tempDir } from '../helpers.js';

const ISO = [
  '2025-06-14T08:30:12+02:00 198.51.100.23 "PUT /orders/71 HTTP/1.1" 504 0 rt=60.002 urt="60.001" rid=7f3a9c',
  '2025-06-14T08:30:13+02:00 198.51.100.24 "GET /orders HTTP/1.1" 200 1834 rt=0.031 urt="0.030" rid=7f3a9d',
];
const MSEC = [
  '1749889812.250 203.0.113.40 "GET /health HTTP/2.0" 200 17 0.004',
  '1749889813.007 203.0.113.41 "POST /login HTTP/1.1" 502 0 30.001',
];
const ISO_FORMAT = '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent rt=$request_time urt="$upstream_response_time" rid=$request_id';

test('detection: time-first request lines with a status are nginx access lines in an unknown log_format', () => {
  for (const lines of [ISO, MSEC]) {
    const d = detectSource(lines);
    assert.equal(d.type, 'nginx-access');
    assert.match(d.reason, /2 nginx access in an unknown log_format/);
  }
});

test('detection: request lines another layer\'s layout frames stay that layer\'s', () => {
  const python = ['2025-06-14 08:30:12,250 INFO app.http: "GET /a HTTP/1.1" 200 5', '2025-06-14 08:30:13,001 INFO app.http: "GET /b HTTP/1.1" 200 7'];
  assert.equal(detectSource(python).type, null, 'a Python process\'s request lines are not nginx\'s');
  const gunicornStream = ['[2025-06-14 08:30:12 +0000] [41] [INFO] Booting worker with pid: 41', '198.51.100.1 "GET / HTTP/1.1" 200 12', '198.51.100.2 "GET /x HTTP/1.1" 404 9'];
  assert.equal(detectSource(gunicornStream).type, 'gunicorn');
  const haproxy = ['Jun 14 08:30:12 lb1 haproxy[1412]: 198.51.100.9:51234 [14/Jun/2025:08:30:12.250] web app/srv1 0/0/1/30/31 200 512 - - ---- 1/1/0/0/0 0/0 "GET /a HTTP/1.1"'];
  assert.equal(detectSource(haproxy).type, 'haproxy');
  assert.equal(detectSource(['hello "GET / HTTP/1.1" 200', 'x', 'y']).type, null, 'a minority of request lines decides nothing');
});

test('ingest: a custom-format access log is not read with a guess; it says what it is, what to pass, and a suggested format', async (t) => {
  const dir = tempDir(t);
  const iso = join(dir, 'access.log');
  const msec = join(dir, 'msec.log');
  writeFileSync(iso, ISO.join('\n') + '\n');
  writeFileSync(msec, MSEC.join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [iso, msec], { tz: 'UTC' });
  for (const f of r.files) {
    assert.equal(f.records, 0);
    assert.equal(f.type, 'nginx-access');
    assert.match(f.unplaced ?? '', /look like nginx access lines in a custom log_format \(2 of the first 2/);
    assert.match(f.unplaced ?? '', /pass --log-format '<the log_format from nginx\.conf>', or --nginx-conf FILE --log-format-name NAME/);
  }
  assert.equal(r.files[0]!.formatHint,
    'a GUESS from its first line, to check against the log_format in nginx.conf (each ? is a value droptrace cannot name; the guess reads 2 of 2 sampled lines): ' +
    `--log-format '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent rt=? urt="?" rid=?'`);
  assert.match(r.files[1]!.formatHint ?? '', /--log-format '\$msec \$remote_addr "\$request" \$status \$body_bytes_sent \?'$/);
  const stored = db.prepare('SELECT count(*) AS n FROM files').get() as { n: number };
  assert.equal(stored.n, 0, 'nothing stored under a guessed format');

  const declared = await ingestPaths(db, [iso], { tz: 'UTC', logFormat: ISO_FORMAT });
  assert.equal(declared.files[0]!.records, 2);
  assert.equal(declared.files[0]!.rejected, 0);
  assert.match(declared.files[0]!.decided, /--log-format parses its lines/);
  db.close();
});
