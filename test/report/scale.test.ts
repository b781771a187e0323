/**
 * The report at a size where holding the window in memory or spreading it into Math.min broke
 * (more than a JS call's argument limit of ~120k): 250k requests inserted by SQL, one streamed
 * pass, exact totals and piles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { buildReportModel } from '../../src/report/model.js';
import { tempDir } from '../helpers.js';

const N = 250_000;
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);

test('report over 250k requests: totals, a 60 s pile of 2,500 proxy timeouts and the endpoints are exact', (t) => {
  const db = openStore(join(tempDir(t), 'scale.db'));
  try {
    db.exec(`INSERT INTO files (id, path, type, format, tz, head_hash, head_len, records, first_ingested_ms, last_ingested_ms)
      VALUES (1, 'access.log', 'nginx-access', 'combined', 'UTC', 'x', 0, ${N}, 0, 0)`);
    // Every 100th request is a 504 at 60.000–60.009 s on /api/export; the rest are 20 ms ok on /api/items/<n>.
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
      INSERT INTO nginx_access (id, file_id, line_no, offset, pattern, time_ms, method, uri, path, status, request_time_ms, user_agent)
      SELECT i, 1, i, 0, 'combined', ${T0} + i * 100, 'GET',
             CASE WHEN i % 100 = 0 THEN '/api/export' ELSE '/api/items/' || i END,
             CASE WHEN i % 100 = 0 THEN '/api/export' ELSE '/api/items/' || i END,
             CASE WHEN i % 100 = 0 THEN 504 ELSE 200 END,
             CASE WHEN i % 100 = 0 THEN 60000 + (i / 100) % 10 ELSE 20 END,
             CASE WHEN i % 200 = 0 THEN 'cron/1' ELSE 'browser/2' END
      FROM n;
      INSERT INTO request_verdicts (access_id, start_ms, end_ms, verdict, silent, wasted_work, retried, stalled, keepalive_race, explanation)
      SELECT id, time_ms - request_time_ms, time_ms, CASE WHEN status = 504 THEN 'proxy_timeout' ELSE 'ok' END,
             status = 504, 0, 0, 0, 0, '' FROM nginx_access;`);
    const { model } = buildReportModel(db, { nowMs: T0 });
    assert.equal(model.totals.requests, N);
    assert.equal(model.totals.failed, N / 100);
    assert.equal(model.totals.silent, N / 100);
    assert.equal(model.window.first_end, new Date(T0 + 100).toISOString());
    assert.equal(model.window.last_end, new Date(T0 + N * 100).toISOString());
    const fp = model.fingerprints.find((f) => f.verdict === 'proxy_timeout');
    assert.equal(fp?.durations, N / 100);
    assert.equal(fp?.clusters.length, 1);
    const pile = fp!.clusters[0]!;
    assert.deepEqual([pile.center_s, pile.low_s, pile.high_s, pile.count], [60, 60, 60.009, N / 100]);
    assert.deepEqual(pile.examples.map((e) => e.id), [100, 200, 300, 400, 500], 'the first five in end order');
    assert.deepEqual(pile.user_agents, [{ agent: 'browser/2', count: 1250 }, { agent: 'cron/1', count: 1250 }]);
    assert.deepEqual(model.endpoints.map((e) => [e.endpoint, e.requests, e.failed]), [['GET /api/export', N / 100, N / 100]]);
    assert.deepEqual(model.histogram.bins.map((b) => [b.start_s, b.total]), [[60, N / 100]]);
    const buckets = model.over_time.buckets;
    assert.equal(buckets.reduce((s, b) => s + (b.counts['ok'] ?? 0) + (b.counts['proxy_timeout'] ?? 0), 0), N);
  } finally {
    db.close();
  }
});
