/**
 * Issue 13's layout repros, on lines recorded from the real gunicorn 20.1.0 / uvicorn 0.17.6
 * (test/fixtures/gunicorn-recorded, made with the app.py/asgi.py beside them): the shapes that
 * detection and the parsers share, a gunicorn stream carrying its own access log, and the
 * stdlib layout whose middleware lines must stay app records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectSource } from '../../src/ingest/detect.js';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { GUNICORN_ACCESS_SHAPE, GUNICORN_SHAPE } from '../../parsers/gunicorn/shape.js';
import { NGINX_ACCESS_TEXT_SHAPE } from '../../parsers/nginx-access/shape.js';
import { NGINX_ERROR_SHAPE } from '../../parsers/nginx-error/shape.js';
import { APP_MIDDLEWARE_SHAPE } from '../../parsers/app/shape.js';
import { createGunicornParser } from '../../parsers/gunicorn/parse.js';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';

const recorded = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'gunicorn-recorded', name);
const lines = (name: string): string[] => readFileSync(recorded(name), 'utf8').split('\n').filter((l) => l !== '');

test('shapes: each recorded line of a gunicorn sync stream has the shape its parser gives it', () => {
  const parse = createGunicornParser({ tz: 'UTC' });
  for (const line of lines('sync-access-logfile-timeout.log')) {
    const r = parse(line);
    assert.equal(r.kind, 'record', line);
    if (r.kind !== 'record') continue;
    const table = r.record.table;
    const access = r.record.table === 'app' && r.record.row.kind === 'access';
    if (access) {
      assert.ok(GUNICORN_ACCESS_SHAPE.test(line) && NGINX_ACCESS_TEXT_SHAPE.test(line), `${line}: combined-shaped, so ambiguous`);
      assert.equal(GUNICORN_SHAPE.test(line), false);
    } else if (table === 'app') {
      assert.ok(APP_MIDDLEWARE_SHAPE.test(line), line);
    } else {
      assert.ok(GUNICORN_SHAPE.test(line), `${line}: a gunicorn line the gunicorn shape does not know`);
    }
    assert.equal(NGINX_ERROR_SHAPE.test(line), false, line);
  }
});

test('detect: gunicorn with --access-logfile - (access lines in its stderr) is gunicorn, not an nginx access log', () => {
  const d = detectSource(lines('sync-access-logfile-timeout.log'));
  assert.equal(d.type, 'gunicorn', d.reason);
  assert.match(d.reason, /3 combined-shaped lines beside gunicorn's are its access log/);
  // The same access lines alone are nginx's (nothing says otherwise).
  const accessOnly = lines('sync-access-logfile-timeout.log').filter((l) => NGINX_ACCESS_TEXT_SHAPE.test(l));
  assert.equal(detectSource(accessOnly).type, 'nginx-access');
});

test('ingest: the access lines of a gunicorn stream are gunicorn access records, counted once, and the WORKER TIMEOUT kept', async (t) => {
  const dir = tempDir(t);
  const db = openStore(join(dir, 'd.db'));
  t.after(() => db.close());
  const r = await ingestPaths(db, [recorded('sync-access-logfile-timeout.log')], { tz: 'UTC' });
  assert.equal(r.files[0]?.type, 'gunicorn');
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  assert.equal(n('SELECT count(*) AS n FROM nginx_access'), 0);
  assert.equal(n("SELECT count(*) AS n FROM app_requests WHERE kind = 'access' AND logger = 'gunicorn.access'"), 3);
  assert.equal(n("SELECT count(*) AS n FROM server_log WHERE event = 'worker_timeout' AND worker_pid = 13389"), 1);
  assert.equal(n("SELECT count(*) AS n FROM app_requests WHERE kind = 'slow' AND pid = 13389"), 1);
});

test('issue 13 repro: the stdlib layout "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s" still finds the wasted work', async (t) => {
  // samples/combined, its gunicorn stream rewritten into the stdlib layout: the same run, logged
  // the other way, must give the same report.
  const dir = tempDir(t);
  const logs = join(repoRoot(), 'samples', 'combined', 'logs');
  let rewritten = 0;
  const stdlib = readFileSync(join(logs, 'gunicorn.log'), 'utf8').split('\n').map((l) => {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (INFO|WARNING|ERROR) ([\w.]+): (.*)$/.exec(l);
    if (!m) return l;
    rewritten++;
    return `${m[1]} ${m[2]} [4242] ${m[3]}: ${m[4]}`;
  });
  assert.ok(rewritten >= 5, 'the sample has app logging lines to rewrite');
  writeFileSync(join(dir, 'gunicorn.log'), stdlib.join('\n'));
  const report = async (gunicornLog: string, db: string) => {
    const run = await runCliCaptured(['analyze', '--tz', 'UTC', '--db', join(dir, db), '--format', 'json', join(logs, 'access.log'), join(logs, 'error.log'), gunicornLog]);
    assert.equal(run.exitCode, 0, run.stderr);
    return JSON.parse(run.stdout) as { wasted_work: { requests: number }; totals: { verdicts: { id: string; count: number }[] } };
  };
  const original = await report(join(logs, 'gunicorn.log'), 'a.db');
  const relaid = await report(join(dir, 'gunicorn.log'), 'b.db');
  assert.ok(original.wasted_work.requests > 0, 'the sample has wasted work to find');
  assert.equal(relaid.wasted_work.requests, original.wasted_work.requests);
  assert.deepEqual(relaid.totals.verdicts, original.totals.verdicts);
});
