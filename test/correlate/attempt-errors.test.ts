/** Pairing nginx's error lines with the $upstream_addr attempts they ended, one named edge per test. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairAttemptErrors, namesUpstream } from '../../src/correlate/attempt-errors.js';
import type { ErrorRow } from '../../src/store/sweep-rows.js';

let id = 0;
const line = (kind: string, upstream: string | null): ErrorRow => ({
  id: ++id, time_ms: 1_000, level: 'error', cid: 20, kind, client: '127.0.0.1', request: 'GET /x HTTP/1.1', upstream, message: kind,
});
const failed = (addr: string | null) => ({ addr, failed: true });

test('each_attempt_takes_the_line_naming_its_upstream_and_the_group_name_takes_no_live_upstreams', () => {
  const errs = [line('upstream_prematurely_closed', 'http://127.0.0.1:41921/x'), line('upstream_reset', 'http://127.0.0.1:39451/x'), line('no_live_upstreams', 'http://app/x')];
  assert.deepEqual(pairAttemptErrors([failed('127.0.0.1:41921'), failed('127.0.0.1:39451'), failed('app')], errs),
    ['upstream_prematurely_closed', 'upstream_reset', 'no_live_upstreams']);
});

test('an_answered_attempt_takes_no_line_and_a_line_for_another_server_is_not_taken', () => {
  const errs = [line('upstream_refused', 'http://127.0.0.1:8001/x')];
  assert.deepEqual(pairAttemptErrors([failed('127.0.0.1:8002'), { addr: '127.0.0.1:8001', failed: false }], errs), [null, null]);
});

test('the_same_server_tried_twice_takes_its_lines_in_order', () => {
  const errs = [line('upstream_reset', 'http://127.0.0.1:8001/x'), line('upstream_refused', 'http://127.0.0.1:8001/x')];
  assert.deepEqual(pairAttemptErrors([failed('127.0.0.1:8001'), failed('127.0.0.1:8001')], errs), ['upstream_reset', 'upstream_refused']);
});

test('without_upstream_addr_lines_pair_in_order_only_when_there_is_one_per_failed_attempt', () => {
  const errs = [line('upstream_reset', 'http://127.0.0.1:8001/x'), line('no_live_upstreams', 'http://app/x')];
  assert.deepEqual(pairAttemptErrors([failed(null), failed(null)], errs), ['upstream_reset', 'no_live_upstreams']);
  assert.deepEqual(pairAttemptErrors([failed(null), failed(null), failed(null)], errs), [null, null, null]);
});

test('lines_that_end_no_attempt_are_not_paired', () => {
  const errs = [line('client_closed', null), line('upstream_reset', 'http://127.0.0.1:8001/x')];
  assert.deepEqual(pairAttemptErrors([failed(null)], errs), ['upstream_reset']);
});

test('names_upstream_matches_host_port_unix_sockets_and_group_names_exactly', () => {
  assert.equal(namesUpstream('http://127.0.0.1:8001/x?y=1', '127.0.0.1:8001'), true);
  assert.equal(namesUpstream('http://127.0.0.1:80011/x', '127.0.0.1:8001'), false);
  assert.equal(namesUpstream('http://unix:/run/app.sock:/x', 'unix:/run/app.sock'), true);
  assert.equal(namesUpstream('http://app/x', 'app'), true);
  assert.equal(namesUpstream('http://application/x', 'app'), false);
  assert.equal(namesUpstream('http://[::1]:8001/x', '[::1]:8001'), true);
});
