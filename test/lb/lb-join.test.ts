/**
 * The LB join and the LB's verdicts, pure: rows in, pairs and verdicts out. Each case is one way a
 * real log pair looks: the ids nginx logs, the LB's source port, a whole-quarter-hour clock offset,
 * an X-Forwarded-For that rules a candidate out, and each vendor's way of saying who ended it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchLbToNginx, traceRoot } from '../../src/correlate/lb-match.js';
import { classifyWithLb, lbSignal } from '../../src/correlate/lb-classify.js';
import type { LbPassRow, NginxForLbRow } from '../../src/correlate/lb-rows.js';

const T = Date.UTC(2026, 11, 1, 10, 0, 0);
const lb = (o: Partial<LbPassRow> & { id: number }): LbPassRow => ({
  kind: 'haproxy', time_ms: T, start_ms: T - 100, client_addr: '203.0.113.7', client_port: 50000, target: 'be/nginx1',
  local_addr: null, local_port: null, method: 'GET', path: '/a', status: 200, target_status: 200, elapsed_ms: 100, target_ms: 90,
  connect_ms: 0, termination: '----', trace_id: null, request_id: null, extra: null, ...o,
});
const ngx = (o: Partial<NginxForLbRow> & { id: number }): NginxForLbRow => ({
  start_ms: T - 95, end_ms: T - 2, verdict: 'ok', silent: 0, explanation: 'the app answered 200', app_completed: null,
  method: 'GET', path: '/a', status: 200, remote_addr: '127.0.0.1', request_id: null, forwarded_for: null, remote_port: null,
  amzn_trace_id: null, ...o,
});

test('trace_root_is_read_from_either_side_of_the_header', () => {
  assert.equal(traceRoot('Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678'), '1-67891233-abcdef012345678912345678');
  assert.equal(traceRoot('Root=1-58337262-36d228ad5d99923122bbe354'), '1-58337262-36d228ad5d99923122bbe354');
  assert.equal(traceRoot(null), null);
});

test('exact_joins_by_trace_id_request_id_and_the_lbs_source_port_beat_time', () => {
  const l1 = lb({ id: 1, kind: 'alb', trace_id: 'Root=1-58337262-36d228ad5d99923122bbe354' });
  const l2 = lb({ id: 2, request_id: 'abc-123-def-456' });
  const l3 = lb({ id: 3, local_addr: '127.0.0.1', local_port: 41522 });
  // Decoys nearer in time than the true partners.
  const rows = [
    ngx({ id: 10, end_ms: T - 1 }),
    ngx({ id: 11, end_ms: T - 50, amzn_trace_id: 'Self=1-x;Root=1-58337262-36d228ad5d99923122bbe354' }),
    ngx({ id: 12, end_ms: T - 60, request_id: 'abc-123-def-456' }),
    ngx({ id: 13, end_ms: T - 70, remote_port: '41522' }),
  ];
  const m = matchLbToNginx([l1, l2, l3], rows);
  assert.deepEqual(m.pairs.map((p) => [p.lb.id, p.nginx?.id, p.method]), [[1, 11, 'trace_id'], [2, 12, 'request_id'], [3, 13, 'connection']]);
});

test('time_window_join_finds_a_wrong_zone_and_respects_x_forwarded_for', () => {
  const hour = 3_600_000;
  const lbs: LbPassRow[] = [];
  const rows: NginxForLbRow[] = [];
  for (let i = 0; i < 20; i++) {
    lbs.push(lb({ id: i + 1, time_ms: T + i * 5_000 + hour, start_ms: T + i * 5_000 + hour - 100, path: `/p${i % 4}` }));
    rows.push(ngx({ id: 100 + i, end_ms: T + i * 5_000 - 3, start_ms: T + i * 5_000 - 98, path: `/p${i % 4}`, forwarded_for: '203.0.113.7' }));
  }
  // Same method, path and time, but another client: never paired.
  rows.push(ngx({ id: 999, end_ms: T + 5_000 * 3 - 1, start_ms: T + 5_000 * 3 - 99, path: '/p3', forwarded_for: '198.51.100.1' }));
  const m = matchLbToNginx(lbs, rows.sort((a, b) => a.end_ms - b.end_ms));
  assert.equal(m.skewMs, hour);
  assert.equal(m.skewMethod, 'path_coincidence');
  assert.deepEqual(m.pairs.map((p) => p.nginx?.id), lbs.map((_, i) => 100 + i));
});

test('an_lb_request_with_no_nginx_candidate_stays_a_request', () => {
  const m = matchLbToNginx([lb({ id: 1, path: '/only-lb' })], [ngx({ id: 10 })]);
  assert.equal(m.pairs.length, 1);
  assert.equal(m.pairs[0]!.nginx, null);
});

test('each_vendor_says_who_ended_it', () => {
  const cases: [Partial<LbPassRow>, string][] = [
    [{ kind: 'haproxy', termination: 'sH--', status: 504, target_status: null }, 'lb_timeout'],
    [{ kind: 'haproxy', termination: 'SH--', status: 502, target_status: null }, 'upstream_error'],
    [{ kind: 'haproxy', termination: 'CD--', status: null }, 'client_gave_up'],
    [{ kind: 'haproxy', termination: 'cD--', status: 200 }, 'client_gave_up'],
    [{ kind: 'haproxy', termination: 'SC--', status: 503, target_status: null }, 'unavailable'],
    [{ kind: 'haproxy', termination: 'SC--', status: 503, target: 'be/<NOSRV>' }, 'unavailable'],
    [{ kind: 'alb', status: 460, target_status: null, termination: null }, 'client_gave_up'],
    [{ kind: 'alb', status: 504, target_status: null, termination: null }, 'lb_timeout'],
    [{ kind: 'alb', status: 504, target_status: 504, termination: null }, 'answered'],
    [{ kind: 'alb', status: 503, target_status: null, target: null, termination: null }, 'unavailable'],
    [{ kind: 'gcp', status: 504, termination: 'backend_timeout' }, 'lb_timeout'],
    [{ kind: 'gcp', status: null, termination: 'client_disconnected_before_any_response' }, 'client_gave_up'],
    [{ kind: 'gcp', status: 502, termination: 'backend_connection_closed_before_data_sent_to_client' }, 'upstream_error'],
    [{ kind: 'cloudflare', status: 524, termination: null }, 'lb_timeout'],
    [{ kind: 'cloudflare', status: 520, termination: null }, 'upstream_error'],
    [{ kind: 'cloudflare', status: 522, termination: null }, 'unavailable'],
  ];
  for (const [o, want] of cases) assert.equal(lbSignal(lb({ id: 1, ...o })), want, JSON.stringify(o));
});

test('the_lbs_clock_turns_nginxs_499_into_lb_timeout_and_a_client_that_left_stays_client_abort', () => {
  const n499 = ngx({ id: 10, status: 499, verdict: 'client_abort', silent: 1, explanation: 'nginx logged 499: the client closed the connection before the answer', app_completed: 1 });
  const t = classifyWithLb(lb({ id: 1, termination: 'sH--', status: 504, target_status: null, elapsed_ms: 30_001 }), n499);
  assert.equal(t.verdict, 'lb_timeout');
  assert.match(t.explanation, /HAProxy logged 504 sH-- after 30\.0 s: its timeout fired first.*nginx logged 499.*ran to completion/);
  const c = classifyWithLb(lb({ id: 2, termination: 'CD--', status: null, elapsed_ms: 12_000 }), n499);
  assert.equal(c.verdict, 'client_abort');
  assert.match(c.explanation, /the client left the LB/);
  // nginx timed out itself and the LB passed its 504 on: nginx's clock, not the LB's.
  const p = classifyWithLb(lb({ id: 3, kind: 'alb', status: 504, target_status: 504, termination: null }), ngx({ id: 11, status: 504, verdict: 'proxy_timeout', explanation: 'nginx gave up' }));
  assert.equal(p.verdict, 'proxy_timeout');
});

test('an_lb_only_502_is_the_keepalive_race_only_when_it_failed_at_once', () => {
  const fast = classifyWithLb(lb({ id: 1, termination: 'SH--', status: 502, target_status: null, elapsed_ms: 2, connect_ms: 0, target_ms: null, extra: '{"TR":"0","Tw":"0"}' }), null);
  assert.deepEqual([fast.verdict, fast.keepaliveRace], ['lb_upstream_error', true]);
  assert.match(fast.explanation, /keep-alive race/);
  const slow = classifyWithLb(lb({ id: 2, termination: 'SH--', status: 502, target_status: null, elapsed_ms: 4_000, connect_ms: 0, target_ms: null, extra: '{"TR":"0","Tw":"0"}' }), null);
  assert.deepEqual([slow.verdict, slow.keepaliveRace], ['lb_upstream_error', false]);
  // A slow client's request time (TR) is not the server's: still an instant failure once sent.
  const slowClient = classifyWithLb(lb({ id: 3, termination: 'SH--', status: 502, target_status: null, elapsed_ms: 3_002, connect_ms: 0, target_ms: null, extra: '{"TR":"3000","Tw":"0"}' }), null);
  assert.equal(slowClient.keepaliveRace, true);
});

test('an_lb_line_whose_id_nginx_never_logged_is_not_paired_by_connection_or_time', () => {
  // HAProxy's 502 on a reused connection carries its own %ID; nginx logged ids for what it saw, and the
  // same connection (then its port, reused) carried requests nginx did log.
  const race = lb({ id: 1, request_id: 'lost-0000-id', local_addr: '127.0.0.1', local_port: 35884, status: 502, target_status: null, termination: 'SH--', elapsed_ms: 0, start_ms: T });
  const later = lb({ id: 2, request_id: 'seen-1111-id', local_addr: '127.0.0.1', local_port: 35884, time_ms: T + 400, start_ms: T + 390 });
  const rows = [ngx({ id: 10, end_ms: T + 399, start_ms: T + 391, request_id: 'seen-1111-id', remote_addr: '127.0.0.1', remote_port: '35884' })];
  const m = matchLbToNginx([race, later], rows);
  assert.deepEqual(m.pairs.map((p) => [p.lb.id, p.nginx?.id ?? null, p.method]), [[1, null, null], [2, 10, 'request_id']]);
});
