/**
 * One definition per line shape: detection, the routing of a stream name's lines (line-reader), the
 * "--tz decides it" check and the parsers read the same line the same way. Real lines from
 * ../shared/corpora and the recorded samples, including ones the old separate regexes got wrong
 * (gunicorn before 19.1.1 printed no brackets and no offset; nginx before 0.8 printed `[emerg]: `).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { groupOfLineShape } from '../../src/ingest/line-reader.js';
import { needsZone } from '../../src/ingest/detect.js';
import { createGunicornParser } from '../../parsers/gunicorn/parse.js';
import { createNginxErrorParser } from '../../parsers/nginx-error/parse.js';
import { LAYOUTS } from '../../parsers/gunicorn/patterns.js';
import { NGINX_ERROR_SHAPE } from '../../parsers/nginx-error/shape.js';
import { PYTHON_LAYOUTS } from '../../parsers/app/python-logging.js';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { corporaDir, readCorpus, type CorpusRow } from '../parsers/corpora.js';
import { repoRoot, tempDir } from '../helpers.js';

const SKIP = '../shared/corpora not found: clone the corpora beside the repo to run the conformance tests';
const own = (row: CorpusRow): boolean => row.role === undefined && row.continuation !== true && row.fragment !== true && row.multiline !== true;
const innerOf = (row: CorpusRow): string => row.inner_line ?? row.line;
/** The gunicorn stream parser's patterns that frame a line: its layouts and the Python logging layouts. */
const FRAMED = new Set([...LAYOUTS.map((l) => l.name), ...PYTHON_LAYOUTS.map((l) => l.name)]);

test('every gunicorn/uvicorn corpus line the parser frames by a layout places its stream with gunicorn', (t) => {
  const dir = corporaDir();
  if (dir === null) return t.skip(SKIP);
  const missed: string[] = [];
  let framed = 0;
  for (const file of ['gunicorn/gunicorn-docs.ndjson', 'gunicorn/public-reports.ndjson', 'uvicorn/uvicorn-docs.ndjson', 'uvicorn/public-reports.ndjson']) {
    const parse = createGunicornParser({ tz: 'UTC' });
    for (const row of readCorpus(join(dir, file)).filter(own)) {
      const r = parse(innerOf(row));
      if (r.kind !== 'record' || !FRAMED.has(r.pattern.split('/')[0]!)) continue;
      framed++;
      if (groupOfLineShape(innerOf(row)) !== 'gunicorn') missed.push(`${file}: ${innerOf(row)}`);
    }
  }
  assert.ok(framed > 150, `only ${framed} framed lines: the corpus or the parser changed`);
  assert.deepEqual(missed, []);
});

test('every nginx error corpus line the parser reads as a record start is routed to the error parser', (t) => {
  const dir = corporaDir();
  if (dir === null) return t.skip(SKIP);
  const missed: string[] = [];
  let read = 0;
  for (const file of ['nginx-error/public-reports.ndjson', 'nginx-error/vrl-stdlib.ndjson', 'nginx-error/elastic-beats-ecs.ndjson', 'nginx-error/nginx-org-docs.ndjson']) {
    const parse = createNginxErrorParser({ tz: 'UTC' });
    for (const row of readCorpus(join(dir, file)).filter(own)) {
      const line = innerOf(row);
      // As a shape only a line that starts with nginx's text counts; the parser also reads an init
      // script's text before "nginx: [emerg]" and a wrapper the corpus did not take off.
      if (parse(line).kind !== 'record' || !/^(?:\d|nginx: |\[)/.test(line)) continue;
      read++;
      if (!NGINX_ERROR_SHAPE.test(line) || groupOfLineShape(line) !== 'nginx') missed.push(`${file}: ${line}`);
    }
  }
  assert.ok(read > 40, `only ${read} records: the corpus or the parser changed`);
  assert.deepEqual(missed, []);
});

test('a gunicorn 0.x-19.1 stream first seen past the head of a compose export is gunicorn, not rejected as nginx access', async (t) => {
  const dir = corporaDir();
  if (dir === null) return t.skip(SKIP);
  // 256 real nginx `main` lines from one service, then gunicorn's own lines (its docs, tag 0.10.0) from another.
  const nginx = readCorpus(join(dir, 'nginx-access/lnav-shop-access-log.ndjson')).map((r) => r.line);
  const gunicorn = readCorpus(join(dir, 'gunicorn/gunicorn-docs.ndjson')).map((r) => r.line).filter((l) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[\d+\] \[[A-Z]+\] /.test(l));
  assert.ok(gunicorn.length >= 10, 'the corpus has gunicorn 0.x lines');
  const work = tempDir(t);
  const log = join(work, 'compose.log');
  writeFileSync(log, [...nginx, ...nginx].map((l) => `proxy_1  | ${l}`).concat(gunicorn.map((l) => `web_1    | ${l}`)).join('\n') + '\n');
  const db = openStore(join(work, 'd.db'));
  const r = await ingestPaths(db, [log], { tz: 'UTC' });
  db.close();
  assert.equal(r.files[0]!.layers.gunicorn, gunicorn.length, JSON.stringify(r.files[0]));
  const d = new Database(join(work, 'd.db'), { readonly: true });
  const rejects = d.prepare('SELECT count(*) AS n FROM rejects').get() as { n: number };
  const server = d.prepare("SELECT count(*) AS n FROM server_log WHERE source = 'gunicorn'").get() as { n: number };
  d.close();
  assert.equal(rejects.n, 0);
  assert.equal(server.n, gunicorn.length);
});

test('a gunicorn stream in a custom "[LEVEL] asctime name:" layout needs --tz: its times carry no zone', (t) => {
  const dir = corporaDir();
  if (dir === null) return t.skip(SKIP);
  // gunicorn issue 3207's custom logconfig; the old check knew only lines starting with the time.
  const lines = readCorpus(join(dir, 'gunicorn/public-reports.ndjson')).map((r) => r.line).filter((l) => /^\[INFO\] \d{4}-\d{2}-\d{2} /.test(l));
  assert.ok(lines.length >= 2);
  assert.equal(needsZone('gunicorn', null, lines), true);
  // gunicorn's own layout says its zone; the 0.x one does not.
  assert.equal(needsZone('gunicorn', null, ['[2014-09-10 10:22:28 +0000] [30869] [INFO] Listening at: http://127.0.0.1:8000 (30869)']), false);
  assert.equal(needsZone('gunicorn', null, ['2010-06-05 23:27:07 [16800] [INFO] Arbiter booted']), true);
});

test('recorded gunicorn 20.1 lines say their zone, the app\'s asctime beside them does not; an ingest without --tz warns', async (t) => {
  const recorded = readFileSync(join(repoRoot(), 'test', 'fixtures', 'gunicorn-recorded', 'sync-access-logfile-timeout.log'), 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(needsZone('gunicorn', null, recorded.filter((l) => l.startsWith('[20'))), false);
  assert.equal(needsZone('gunicorn', null, recorded), true, 'the app\'s "2026-12-05 00:34:00,171 WARNING [13389] app.requests: …" needs --tz');
  const work = tempDir(t);
  const log = join(work, 'gunicorn.log');
  writeFileSync(log, ['2010-06-05 23:27:07 [16800] [INFO] Arbiter booted', '2010-06-05 23:27:07 [16801] [INFO] Worker spawned (pid: 16801)'].join('\n') + '\n');
  const warnings: string[] = [];
  const db = openStore(join(work, 'd.db'));
  await ingestPaths(db, [log], { tz: null, onWarning: (m) => warnings.push(m) });
  const row = db.prepare('SELECT tz_assumed FROM files').get() as { tz_assumed: number };
  db.close();
  assert.equal(row.tz_assumed, 1);
  assert.ok(warnings.some((w) => w.includes('carry no zone')), warnings.join('\n'));
});
