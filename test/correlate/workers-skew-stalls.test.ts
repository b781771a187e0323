/** Worker deaths folded per pid, clock offsets, and the stall signature: pure functions on arrays. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignDeaths, foldWorkerDeaths, findDeathNear } from '../../src/correlate/workers.js';
import { buildVerdictRow } from '../../src/correlate/verdict-row.js';
import { skewFromCoincidence, skewFromRequestIds } from '../../src/correlate/skew.js';
import { findStalls } from '../../src/correlate/stalls.js';
import type { WorkerEventRow } from '../../src/store/sweep-rows.js';

const ev = (id: number, time: number, event: string, worker: number, message = '', signal: number | null = null): WorkerEventRow =>
  ({ id, time_ms: time, event, pid: 1, worker_pid: worker, signal, exit_code: null, message });

test('worker_timeout_and_its_signal_6_are_one_death', () => {
  const deaths = foldWorkerDeaths([ev(1, 1000, 'worker_timeout', 42), ev(2, 1000, 'worker_signaled', 42, 'terminated due to signal 6', 6), ev(3, 5000, 'worker_signaled', 43, 'terminated due to signal 9', 9)]);
  assert.deepEqual(deaths.map((d) => [d.pid, d.cause, d.eventId]), [[42, 'timeout', 1], [43, 'oom_kill', 3]]);
});

test('death_near_an_attempt_end_and_none_far_away', () => {
  const deaths = foldWorkerDeaths([ev(1, 10_000, 'worker_timeout', 42)]);
  assert.equal(findDeathNear(deaths, 10_040, 0, null)?.pid, 42);
  assert.equal(findDeathNear(deaths, 20_000, 0, null), null);
  assert.equal(findDeathNear(deaths, 10_040, 0, 7), null, 'another pid');
});

test('skew_from_request_ids_is_the_median', () => {
  assert.equal(skewFromRequestIds([-3, -2, -2, 500, -1, -2])!.skewMs, -2);
  assert.equal(skewFromRequestIds([1, 2]), null, 'too few pairs');
});

test('skew_by_coincidence_finds_a_half_hour_zone_mistake', () => {
  const access = Array.from({ length: 40 }, (_, i) => ({ key: `GET /p${i % 7}`, time: 1_000_000 + i * 7_919 }));
  const shift = 5.5 * 3_600_000;
  const app = access.filter((_, i) => i % 3 === 0).map((a) => ({ key: a.key, time: a.time + shift - 5 }));
  assert.equal(skewFromCoincidence(access, app)?.skewMs, shift);
  assert.equal(skewFromCoincidence(access, access.slice(0, 10)), null, 'aligned clocks: no offset claimed');
});

const h = (access_id: number, app_end_ms: number, app_elapsed_ms: number, start_ms: number | null = null) =>
  ({ access_id, pid: 1, start_ms, end_ms: app_end_ms + 2, app_end_ms, app_elapsed_ms });

test('requests_waiting_behind_a_blocking_handler_are_stalled', () => {
  // B blocks 10.0–10.8 s. Handler 3 was in flight since 9.9 s and ends with it; 4 and 5 reached nginx
  // at 10.2 and 10.3 s and start only when the loop comes back; 6 arrives after.
  const rows = [h(1, 9_000, 20), h(2, 10_800, 800), h(3, 10_801, 901), h(4, 10_805, 4, 10_200), h(5, 11_010, 208, 10_300), h(6, 12_000, 20, 11_980)]
    .sort((a, b) => a.app_end_ms - b.app_end_ms);
  assert.deepEqual(findStalls(rows), [{ victim: 3, blocker: 2 }, { victim: 4, blocker: 2 }, { victim: 5, blocker: 2 }]);
});

test('handlers that start while another runs, or twins that await together, are no stall', () => {
  // live timing run: /slow?seconds=0.2 started 0.47 s into a 0.6 s /slow on the same worker (the loop
  // was turning); two /slow?seconds=0.5 started in the same millisecond and ended together
  const started = [h(50, 10_601, 601, 9_999), h(51, 10_672, 201, 10_470)];
  assert.deepEqual(findStalls(started), []);
  const twins = [h(100, 20_501, 501, 19_999), h(101, 20_501, 501, 19_999)];
  assert.deepEqual(findStalls(twins), []);
});

test('a_slow_await_while_others_complete_is_no_stall', () => {
  // B awaits for 0.8 s but another request completes in the middle: the loop was turning.
  const rows = [h(2, 10_800, 800), h(6, 10_400, 30, 10_370), h(3, 10_810, 610, 10_200)].sort((a, b) => a.app_end_ms - b.app_end_ms);
  assert.deepEqual(findStalls(rows), []);
});

test('one death ends one attempt of a request: the instant retries after it are failures of their own', () => {
  // timing sample, request #169: /block killed worker 29821 at 2.08 s, then nginx's retry to the other
  // server was reset at 0 ms and the last try found no live upstream, all within the same second.
  const deaths = foldWorkerDeaths([ev(176, 10_000, 'worker_timeout', 29821)]);
  const attempts = [
    { status: 502, addr: '127.0.0.1:46757', response_ms: 2081, header_ms: null },
    { status: 502, addr: '127.0.0.1:43473', response_ms: 0, header_ms: null },
    { status: 502, addr: 'app', response_ms: 0, header_ms: null },
  ];
  const row = buildVerdictRow({
    id: 169, time_ms: 10_050, request_time_ms: 2081, method: 'GET', path: '/block', status: 502, remote_addr: '127.0.0.1',
    request_id: null, connection: null, attempts: JSON.stringify(attempts), request_junk: 0, request: 'GET /block HTTP/1.1',
  }, 7_969, null, [], deaths);
  const stored = JSON.parse(row.attempts!) as { outcome: string; worker_event_id: number | null }[];
  assert.deepEqual(stored.map((a) => [a.outcome, a.worker_event_id]), [['worker_timeout', 176], ['failed', null], ['failed', null]]);
  assert.equal(row.verdict, 'worker_timeout');
  assert.equal(row.worker_event_id, 176);
});

test('assignDeaths: nearest pairs first, a death once, the attempt that ran longer on a tie', () => {
  const deaths = foldWorkerDeaths([ev(1, 10_000, 'worker_timeout', 42), ev(2, 18_000, 'worker_timeout', 43)]);
  // the retry killed the next worker too: one death each
  assert.deepEqual(
    assignDeaths(deaths, [{ endMs: 10_010, responseMs: 8_000 }, { endMs: 18_020, responseMs: 8_000 }], 0).map((d) => d?.pid ?? null),
    [42, 43],
  );
  // an instant failure first, then the attempt the death ended (second-resolution times: 1 s slack)
  assert.deepEqual(
    assignDeaths(deaths, [{ endMs: 17_000, responseMs: 0 }, { endMs: 18_000, responseMs: 1_000 }], 1_000).map((d) => d?.pid ?? null),
    [null, 43],
  );
  // equal distance: the attempt that ran takes it, not the one reset in 0 ms after it
  assert.deepEqual(
    assignDeaths(deaths, [{ endMs: 10_050, responseMs: 2_081 }, { endMs: 10_050, responseMs: 0 }, null], 0).map((d) => d?.pid ?? null),
    [42, null, null],
  );
  assert.deepEqual(assignDeaths(deaths, [{ endMs: 30_000, responseMs: 5 }], 0), [null], 'no death near');
});

test('unloggedRestarts: a gunicorn worker\'s boot and a start after a logged stop are no unlogged restart', async () => {
  const { unloggedRestarts } = await import('../../src/correlate/correlate.js');
  const row = (id: number, time_ms: number, event: string, worker_pid: number | null, message = event) => ({ id, time_ms, event, worker_pid, pid: worker_pid, message });
  const starts = unloggedRestarts([
    row(1, 1_000, 'booting_worker', 11), row(2, 1_100, 'server_started', 11, 'Started server process [11]'),
    row(3, 5_000, 'server_started', 20, 'Started server process [20]'),
    row(4, 9_000, 'handling_signal', null, 'Handling signal: term'), row(5, 10_000, 'starting', null, 'Starting gunicorn 20.1.0'),
    row(6, 900_000, 'starting', null, 'Starting gunicorn 20.1.0'),
  ]);
  assert.deepEqual(starts.map((s) => s.eventId), [3, 6]);
});
