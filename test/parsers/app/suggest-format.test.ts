/**
 * The `--app-log-format` hint: guessed from a line's prefix, kept only when the compiled guess reads
 * the sample, and given by ingest only for files whose app/gunicorn lines mostly fit no layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guessPythonLogFormat, suggestPythonLogFormat } from '../../../parsers/app/suggest-format.js';
import { openStore } from '../../../src/store/open.js';
import { ingestPaths } from '../../../src/ingest/ingest.js';
import { repoRoot, tempDir } from '../../helpers.js';

const PIPES = [
  '2026-12-05 01:02:03,123 | INFO     | 4242 | app.api | started',
  '2026-12-05 01:02:04,123 | WARNING  | 4242 | app.api | Slow request: 2.00s GET /x',
  '2026-12-05 01:02:05,123 | INFO     | 4243 | app.api | hello',
  '2026-12-05 01:02:06,123 | ERROR    | 4243 | app.api | boom',
];

test('guessPythonLogFormat: time, padded level, bare or bracketed pid and logger, the punctuation between', () => {
  assert.equal(guessPythonLogFormat(PIPES[0]!), '%(asctime)s | %(levelname)-8s | %(process)d | %(name)s | %(message)s');
  assert.equal(guessPythonLogFormat('INFO 2026-12-05 01:02:03,123 [4242] app.api - hello world'), '%(levelname)s %(asctime)s [%(process)d] %(name)s - %(message)s');
  assert.equal(guessPythonLogFormat('2026-12-05T01:02:03.123Z [INFO] (4242) app.api: hi'), '%(asctime)s [%(levelname)s] (%(process)d) %(name)s: %(message)s');
  // no time: droptrace could not use the lines anyway, so no format is offered
  assert.equal(guessPythonLogFormat('INFO [4242] app.api: hi'), null);
  assert.equal(guessPythonLogFormat('a plain print() of the app'), null);
});

test('suggestPythonLogFormat: the guess must read at least half the sample, else nothing is claimed', () => {
  const s = suggestPythonLogFormat(PIPES);
  assert.deepEqual(s, { format: '%(asctime)s | %(levelname)-8s | %(process)d | %(name)s | %(message)s', reads: 4, of: 4 });
  const mostlyPrints = [PIPES[0]!, 'print one', 'print two', 'print three'];
  assert.equal(suggestPythonLogFormat(mostlyPrints), null);
});

test('ingest: a gunicorn stream in an unknown layout gets the hint, and the hinted format then reads pids and levels', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'app.log');
  writeFileSync(log, PIPES.join('\n') + '\n');
  const db1 = openStore(join(dir, 'a.db'));
  const r1 = await ingestPaths(db1, [log], { tz: 'UTC', type: 'gunicorn' });
  db1.close();
  const hint = r1.files[0]!.formatHint ?? '';
  const format = /--app-log-format '([^']+)'/.exec(hint)?.[1];
  assert.ok(format, `a hint naming a format: ${hint}`);

  const db2 = openStore(join(dir, 'b.db'));
  const r2 = await ingestPaths(db2, [log], { tz: 'UTC', type: 'gunicorn', appLogFormats: [format] });
  const pids = db2.prepare('SELECT pid FROM server_log UNION ALL SELECT pid FROM app_requests').all() as { pid: number | null }[];
  db2.close();
  assert.equal(r2.files[0]!.formatHint, undefined, 'no hint once the format is given');
  assert.deepEqual(pids.map((p) => p.pid).sort(), [4242, 4242, 4243, 4243]);
});

test('ingest: the recorded samples in known layouts get no hint', async (t) => {
  const dir = tempDir(t);
  const db = openStore(join(dir, 'c.db'));
  const logs = join(repoRoot(), 'samples', 'timing', 'logs');
  const r = await ingestPaths(db, [logs], { tz: 'UTC' });
  db.close();
  assert.ok(r.files.length >= 3);
  for (const f of r.files) {
    // The access log, given without its log_format, is not read: its hint is the access log's own.
    if (f.unplaced !== undefined) assert.match(f.formatHint ?? '', /^a GUESS .* --log-format '/, f.path);
    else assert.equal(f.formatHint, undefined, `${f.path}: ${f.formatHint}`);
  }
  assert.ok(r.files.filter((f) => f.unplaced === undefined).length >= 2, 'the app and gunicorn logs were read');
});
