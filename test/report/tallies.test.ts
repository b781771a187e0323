/** The report's tallies keep memory bounded by what they report: the caps, and the row they must not keep. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointTally, OTHER_ENDPOINTS, WastedTally } from '../../src/report/sections.js';
import { IncidentTally } from '../../src/report/incidents.js';
import type { ReportPassRow } from '../../src/store/sql/report-requests.js';

const row = (over: Partial<ReportPassRow>): ReportPassRow => ({
  id: 1, start_ms: 0, end_ms: 1000, method: 'GET', uri: '/', path: '/', status: 200, request_time_ms: 1000, verdict: 'ok',
  silent: 0, wasted_work: 0, retried: 0, stalled: 0, keepalive_race: 0, app_pid: null, app_elapsed_ms: null, app_completed: null,
  worker_event_id: null, attempts: null, stalled_by: null, wasted_ms: null, file: 'access.log', line_no: 1, keepalive_suspect: 0, evidence_level: 'exact', ...over,
});

test('EndpointTally: past 20,000 distinct endpoints the rest are pooled under one name, counts kept', () => {
  const t = new EndpointTally();
  for (let i = 0; i < 20_050; i++) t.add(row({ id: i, path: `/probe/word${String.fromCharCode(97 + (i % 26))}${i.toString(36)}x`, verdict: 'rejected_by_proxy', status: 404 }));
  const top = t.result(50);
  const other = top.find((e) => e.endpoint === `GET ${OTHER_ENDPOINTS}`) ?? top.find((e) => e.endpoint === OTHER_ENDPOINTS);
  assert.ok(other, 'the pooled endpoint is reported');
  assert.equal(other.requests, 50);
  assert.equal(other.failed, 50);
});

test('WastedTally: keeps the ten longest by wasted time (ties: the earlier request), totals over all', () => {
  const t = new WastedTally();
  for (let i = 1; i <= 100; i++) t.add(row({ id: i, wasted_work: 1, wasted_ms: (i % 7) * 1000 }));
  const w = t.result();
  assert.equal(w.requests, 100);
  assert.equal(w.total_s, [...Array(100)].reduce((s, _, k) => s + ((k + 1) % 7), 0));
  assert.deepEqual(w.top.map((r) => r.id), [6, 13, 20, 27, 34, 41, 48, 55, 62, 69]);
  assert.ok(w.top.every((r) => r.wasted_s === 6));
});

test('IncidentTally: a request whose later instant failures are tied to the same death is one retry, onto the next server', () => {
  const death = { id: 7, time_ms: 10_000, event: 'worker_timeout', pid: 1, worker_pid: 42, signal: null, exit_code: null, message: 'WORKER TIMEOUT (pid:42)', file: 'g.log', line_no: 3 };
  const t = new IncidentTally([death], []);
  const attempts = JSON.stringify([
    { status: 502, addr: '127.0.0.1:8000', outcome: 'worker_timeout', worker_pid: 42, worker_event_id: 7 },
    { status: 502, addr: '127.0.0.1:8001', outcome: 'worker_timeout', worker_pid: 42, worker_event_id: 7 },
    { status: 502, addr: 'app', outcome: 'worker_timeout', worker_pid: 42, worker_event_id: 7 },
  ]);
  t.add(row({ id: 9, end_ms: 10_050, status: 502, verdict: 'worker_timeout', retried: 1, worker_event_id: 7, attempts }));
  const [inc] = t.result();
  assert.equal(inc?.retried_count, 1);
  assert.deepEqual(inc?.retried.map((r) => [r.request.id, r.next_addr]), [[9, '127.0.0.1:8001']]);
  assert.equal(inc?.died_count, 1);
});
