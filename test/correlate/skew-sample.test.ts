/**
 * The request-id skew sample (SELECT_SKEW_SAMPLES): app rows every `stride`-th id, looked up in
 * nginx's request-id index. It must see the whole time range (a clock that is right for the first
 * part of a log and 2.5 s off for the rest is estimated from both parts, as a median over the
 * later majority), skip nginx logs without ids, and stay exact on small stores (stride 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore, type Db } from '../../src/store/open.js';
import { correlate } from '../../src/correlate/correlate.js';
import { buildQueryIndexes } from '../../src/ingest/ingest.js';
import { tempDir } from '../helpers.js';

/** `n` requests one a second from 2024-03-10, the app's end `skewAt(i)` ms after nginx's. */
function store(t: { after: (fn: () => void) => void }, n: number, skewAt: (i: number) => number, nginxIds = true): Db {
  const db = openStore(join(tempDir(t), 'skew.db'));
  t.after(() => db.close());
  db.exec("INSERT INTO files (id, path, type, head_hash, head_len, first_ingested_ms, last_ingested_ms) VALUES (1, 'access.log', 'nginx-access', 'a', 1, 0, 0), (2, 'app.ndjson', 'app', 'b', 1, 0, 0)");
  const access = db.prepare(`INSERT INTO nginx_access (file_id, line_no, offset, pattern, time_ms, method, uri, path, status, request_time_ms, request_id)
    VALUES (1, ?, 0, 'custom', ?, 'GET', '/a', '/a', 200, 10, ?)`);
  const app = db.prepare(`INSERT INTO app_requests (file_id, line_no, offset, pattern, kind, format, time_ms, method, path, status, elapsed_ms, request_id)
    VALUES (2, ?, 0, 'ndjson', 'request', 'ndjson', ?, 'GET', '/a', 200, 8, ?)`);
  const t0 = Date.UTC(2024, 2, 10);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const end = t0 + i * 1000;
      access.run(i + 1, end, nginxIds ? `r${i}` : null);
      app.run(i + 1, end - 2 + skewAt(i), `r${i}`);
    }
  })();
  buildQueryIndexes(db);
  return db;
}

test('the skew sample spans the whole log: 60000 requests, the app clock 2.5 s off after the first third', (t) => {
  const db = store(t, 60_000, (i) => (i < 20_000 ? 0 : 2500));
  const r = correlate(db);
  assert.equal(r.skew.method, 'request_id');
  // the first 20000 pairs alone (the old order of the app rows) would say −2
  assert.equal(r.skew.skewMs, 2498);
  assert.ok(r.skew.samples >= 19_000 && r.skew.samples <= 20_000, `samples ${r.skew.samples}`);
});

test('a small store samples every pair (stride 1)', (t) => {
  const db = store(t, 300, (i) => (i % 3 === 0 ? 40 : 0));
  const r = correlate(db);
  assert.equal(r.skew.samples, 300);
  assert.equal(r.skew.skewMs, -2);
});

test('no request ids in the nginx log: no id sample, the coincidence search instead', (t) => {
  const db = store(t, 300, () => 0, false);
  const r = correlate(db);
  assert.notEqual(r.skew.method, 'request_id');
});
