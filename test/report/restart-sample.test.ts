/**
 * The gunicorn restart recorded in samples/combined (SIGTERM, then started again under traffic):
 * its own finding, its lines in the timeline, and the refusals on gunicorn's clock in the chart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestedSample } from '../correlate/sample-db.js';
import { correlate } from '../../src/correlate/correlate.js';
import { buildReportModel } from '../../src/report/index.js';

test('a_restart_window_is_a_finding_in_the_timeline_and_on_gunicorns_clock', async (t) => {
  const db = await ingestedSample(t, 'combined');
  correlate(db);
  const all = buildReportModel(db).model;
  const { model } = buildReportModel(db, { fromMs: Date.parse(all.window.first_end!), toMs: Date.parse(all.window.last_end!) + 1 });
  assert.equal(model.restarts.length, 1);
  const w = model.restarts[0]!;
  assert.equal(w.stop.message, 'Handling signal: term');
  assert.equal(w.start.message, 'Starting gunicorn 20.1.0');
  assert.deepEqual(w.by_verdict, { upstream_unavailable: 4 });
  assert.ok(model.recommendations.some((r) => r.id === 'restart-window'));
  const said = model.timeline!.entries.filter((e) => e.layer === 'gunicorn').map((e) => e.what);
  for (const line of ['Handling signal: term', 'Shutting down: Master', 'Starting gunicorn 20.1.0']) assert.ok(said.includes(line), line);
  const onGunicorn = model.over_time.buckets.reduce((s, b) => s + (b.failed_by_layer['gunicorn'] ?? 0), 0);
  const failedOnGunicornByVerdict = model.totals.verdicts.filter((v) => v.layer === 'gunicorn').reduce((s, v) => s + v.count, 0);
  assert.equal(onGunicorn, failedOnGunicornByVerdict + 4, 'the four refusals during the restart are on gunicorn, not nginx');
});

test('every_flag_set_on_a_request_carries_its_support_in_the_export', async (t) => {
  const { iterateRequests } = await import('../../src/lookup/requests.js');
  const db = await ingestedSample(t, 'timing');
  correlate(db);
  let checked = 0;
  for (const r of iterateRequests(db)) {
    for (const f of ['silent', 'wasted_work', 'retried', 'stalled', 'keepalive_race'] as const) {
      if (!r[f]) continue;
      const s = r.evidence?.flags[f];
      assert.ok(s && (s.rule ?? s.missing), `#${r.id} ${f} has its support`);
      checked++;
    }
  }
  assert.ok(checked >= 25, `flags checked: ${checked}`);
});
