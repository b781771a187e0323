/**
 * Golden files for each format, on the fixture database (test/report/fixture.ts). The report's own
 * time is pinned; paths in the fixture are relative. UPDATE_GOLDEN=1 rewrites the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers.js';
import { checkGolden } from './golden-file.js';
import { buildFixtureDb, T0 } from './fixture.js';
import { buildReportModel, renderReport, type ReportModel } from '../../src/report/index.js';
import type { ReportFormat } from '../../src/report/index.js';

const NOW = Date.UTC(2024, 4, 2, 3, 0, 0);

function models(t: { after: (fn: () => void) => void }): { all: ReportModel; window: ReportModel } {
  const { db } = buildFixtureDb(tempDir(t));
  try {
    return {
      all: buildReportModel(db, { nowMs: NOW }).model,
      window: buildReportModel(db, { nowMs: NOW, fromMs: T0 + 290_000, toMs: T0 + 430_000 }).model,
    };
  } finally {
    db.close();
  }
}

const EXT: Record<ReportFormat, string> = { text: 'txt', json: 'json', markdown: 'md', html: 'html' };

for (const format of ['text', 'json', 'markdown', 'html'] as const) {
  test(`golden: ${format} report of the fixture`, (t) => {
    const m = models(t);
    checkGolden(`report.${EXT[format]}`, renderReport(m.all, format, { zone: 'UTC' }));
    checkGolden(`report-window.${EXT[format]}`, renderReport(m.window, format, { zone: 'UTC' }));
  });
}

test('golden: the text report in colour differs only by escape codes', (t) => {
  const m = models(t);
  const plain = renderReport(m.all, 'text', { zone: 'UTC' });
  const coloured = renderReport(m.all, 'text', { zone: 'UTC', color: true });
  assert.notEqual(coloured, plain);
  // eslint-disable-next-line no-control-regex
  assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});

test('report model: what the fixture holds is found', (t) => {
  const { all, window } = models(t);
  assert.equal(all.version, 1);
  assert.equal(all.totals.requests, 81);
  const fp = Object.fromEntries(all.fingerprints.map((f) => [f.verdict, f.clusters.map((c) => c.center_s)]));
  assert.deepEqual(fp['client_abort'], [10]);
  assert.deepEqual(fp['proxy_timeout'], [60]);
  const wt = all.worker_incidents.find((i) => i.event === 'worker_timeout')!;
  assert.equal(wt.blocker?.request.uri, '/api/slow/7');
  assert.deepEqual(wt.died.map((d) => d.uri), ['/api/slow/7', '/api/items/3']);
  assert.equal(wt.retried[0]?.next_addr, '127.0.0.1:8001');
  assert.equal(wt.replaced_by?.pid, 105);
  assert.equal(all.stalls[0]?.blocker?.uri, '/api/block');
  assert.equal(all.stalls[0]?.victim_count, 3);
  assert.equal(all.keepalive_races.count, 2);
  assert.equal(all.endpoints[0]?.endpoint, 'GET /api/report/:id');
  assert.deepEqual(all.recommendations.map((r) => r.id),
    ['proxy-read-timeout', 'gunicorn-timeout', 'worker-crash', 'client-clock-first', 'event-loop-blocking', 'upstream-keepalive', 'wasted-work']);
  assert.deepEqual(all.gaps.map((g) => g.id), ['error-log-level']);
  assert.equal(all.timeline, null, 'no window, no timeline');
  assert.ok(window.timeline && window.timeline.entries.some((e) => e.layer === 'gunicorn' && /WORKER TIMEOUT/.test(e.what)));
});
