/** The verdict rules, one named edge per test: a trace in, a verdict and flags out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, type Trace, type AttemptTrace } from '../../src/correlate/classify.js';
import type { WorkerDeath } from '../../src/correlate/workers.js';

const base: Trace = { status: 200, endMs: 10_000, requestJunk: false, attempts: null, app: null, errorKinds: [], deathNearEnd: null };
const t = (over: Partial<Trace>): Trace => ({ ...base, ...over });
const death = (cause: WorkerDeath['cause'], pid = 42): WorkerDeath => ({ eventId: 1, pid, time: 9_900, cause, event: cause === 'timeout' ? 'worker_timeout' : 'worker_signaled', signal: cause === 'oom_kill' ? 9 : null });
const attempt = (over: Partial<AttemptTrace>): AttemptTrace => ({ status: 502, addr: '127.0.0.1:8000', responseMs: 1000, headerMs: null, death: null, ...over });
const app = (over: Partial<NonNullable<Trace['app']>> = {}) => ({ completed: true, status: 200, failed: false, end: 9_990, ...over });

test('ok_answer_below_500', () => {
  const c = classify(t({ app: app() }));
  assert.deepEqual([c.verdict, c.silent, c.wastedWork], ['ok', false, false]);
});

test('client_abort_499_with_finished_handler_is_wasted_and_silent', () => {
  const c = classify(t({ status: 499, app: app({ end: 12_000 }) }));
  assert.deepEqual([c.verdict, c.silent, c.wastedWork], ['client_abort', true, true]);
});

test('client_abort_whose_handler_never_finished_is_not_wasted', () => {
  assert.equal(classify(t({ status: 499 })).wastedWork, false);
});

test('proxy_timeout_504_retried_on_the_next_server', () => {
  const c = classify(t({ status: 504, attempts: [attempt({ status: 504 }), attempt({ status: 504 })], errorKinds: ['upstream_read_timeout', 'upstream_read_timeout'], app: app({ end: 15_000 }) }));
  assert.deepEqual([c.verdict, c.retried, c.wastedWork, c.silent], ['proxy_timeout', true, true, true]);
});

test('worker_timeout_from_the_attempt_that_died', () => {
  const c = classify(t({ status: 502, attempts: [attempt({ death: death('timeout') })], errorKinds: ['upstream_prematurely_closed'] }));
  assert.equal(c.verdict, 'worker_timeout');
  assert.equal(c.death?.pid, 42);
  assert.equal(c.keepaliveRace, false, 'a killed worker is not a keep-alive race');
});

test('retry_that_killed_the_next_worker_too_then_no_live_upstreams', () => {
  const c = classify(t({ status: 502, attempts: [attempt({ death: death('timeout', 1) }), attempt({ death: death('timeout', 2) }), attempt({ status: 502, addr: 'app', responseMs: 0 })], errorKinds: ['upstream_prematurely_closed', 'upstream_prematurely_closed', 'no_live_upstreams'] }));
  assert.equal(c.verdict, 'worker_timeout');
  assert.equal(c.death?.pid, 2);
});

test('worker_crash_from_a_sigkill', () => {
  const c = classify(t({ status: 502, deathNearEnd: death('oom_kill'), errorKinds: ['upstream_prematurely_closed'] }));
  assert.equal(c.verdict, 'worker_crash');
  assert.match(c.explanation, /SIGKILL/);
});

test('an_attempt_that_reached_a_server_then_no_live_upstreams_is_upstream_error_not_unavailable', () => {
  const c = classify(t({ status: 502, attempts: [
    attempt({ failure: 'upstream_reset', responseMs: 1200 }), attempt({ addr: 'app', responseMs: 0, failure: 'no_live_upstreams' }),
  ], errorKinds: ['upstream_reset', 'no_live_upstreams'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace, c.evidence.verdict.level], ['upstream_error', false, 'exact']);
  assert.match(c.explanation, /upstream reset.*; nginx then had no live upstream left/);
});

test('a_reset_then_a_refusal_is_upstream_unavailable_the_last_real_try_decides_and_why_names_the_reset', () => {
  // a refusal is a server not listening (a restart closes its cached connections first), unlike "no live upstreams"
  const c = classify(t({ status: 502, attempts: [
    attempt({ failure: 'upstream_reset', responseMs: 1200 }), attempt({ addr: '127.0.0.1:8001', responseMs: 0, failure: 'upstream_refused' }),
  ], errorKinds: ['upstream_reset', 'upstream_refused'] }));
  assert.deepEqual([c.verdict, c.evidence.verdict.level], ['upstream_unavailable', 'exact']);
  assert.match(c.explanation, /before that, an attempt had reached 127\.0\.0\.1:8000 \(upstream reset\)/);
});

test('a_refusal_then_a_reset_on_the_next_server_is_upstream_error', () => {
  const c = classify(t({ status: 502, attempts: [
    attempt({ responseMs: 0, failure: 'upstream_refused' }), attempt({ addr: '127.0.0.1:8001', responseMs: 1200, failure: 'upstream_reset' }),
  ], errorKinds: ['upstream_refused', 'upstream_reset'] }));
  assert.equal(c.verdict, 'upstream_error');
  assert.doesNotMatch(c.explanation, /no live upstream/);
});

test('every_attempt_refused_or_no_live_stays_upstream_unavailable_with_attempts_known', () => {
  const c = classify(t({ status: 502, attempts: [
    attempt({ responseMs: 0, failure: 'upstream_refused' }), attempt({ addr: '127.0.0.1:8001', responseMs: 0, failure: 'upstream_refused' }), attempt({ addr: 'app', responseMs: 0, failure: 'no_live_upstreams' }),
  ], errorKinds: ['upstream_refused', 'upstream_refused', 'no_live_upstreams'] }));
  assert.deepEqual([c.verdict, c.evidence.verdict.level, c.keepaliveRace], ['upstream_unavailable', 'exact', false]);
  assert.doesNotMatch(c.explanation, /before that|no live upstream left/);
});

test('a_no_live_upstreams_attempt_is_never_the_keepalive_race_attempt', () => {
  // the first attempt's close came after a second, no race; the 0 ms "app" entry never had a connection
  const c = classify(t({ status: 502, attempts: [
    attempt({ failure: 'upstream_prematurely_closed', responseMs: 1500 }), attempt({ addr: 'app', responseMs: 0, failure: 'no_live_upstreams' }),
  ], errorKinds: ['upstream_prematurely_closed', 'no_live_upstreams'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace], ['upstream_error', false]);
});

test('a_worker_death_that_reached_a_server_keeps_its_verdict_and_says_no_live_upstream_followed', () => {
  const c = classify(t({ status: 502, attempts: [
    attempt({ death: death('timeout'), failure: 'upstream_prematurely_closed' }), attempt({ addr: 'app', responseMs: 0, failure: 'no_live_upstreams' }),
  ], errorKinds: ['upstream_prematurely_closed', 'no_live_upstreams'] }));
  assert.equal(c.verdict, 'worker_timeout');
  assert.match(c.explanation, /WORKER TIMEOUT.*no live upstream left/);
});

test('attempts_without_paired_lines_and_both_kinds_logged_keep_upstream_unavailable_but_only_inferred', () => {
  const c = classify(t({ status: 502, errorKinds: ['upstream_prematurely_closed', 'no_live_upstreams'] }));
  assert.deepEqual([c.verdict, c.evidence.verdict.level], ['upstream_unavailable', 'inferred']);
  assert.match(c.explanation, /cannot be told/);
});

test('upstream_unavailable_when_connect_was_refused', () => {
  assert.equal(classify(t({ status: 502, errorKinds: ['upstream_refused', 'upstream_refused'] })).verdict, 'upstream_unavailable');
});

test('app_error_when_the_app_logged_its_failure', () => {
  const c = classify(t({ status: 500, app: app({ failed: true, status: 500, completed: false }) }));
  assert.deepEqual([c.verdict, c.silent], ['app_error', false]);
});

test('app_error_from_the_upstream_status_alone_is_silent', () => {
  const c = classify(t({ status: 503, attempts: [attempt({ status: 503 })] }));
  assert.deepEqual([c.verdict, c.silent], ['app_error', true]);
});

test('rejected_by_proxy_413_without_upstream', () => {
  assert.equal(classify(t({ status: 413 })).verdict, 'rejected_by_proxy');
  assert.equal(classify(t({ status: 400, attempts: [] })).verdict, 'rejected_by_proxy');
  assert.equal(classify(t({ status: 400, requestJunk: true })).verdict, 'rejected_by_proxy');
});

test('app_404_is_ok_not_rejected', () => {
  assert.equal(classify(t({ status: 404, attempts: [attempt({ status: 404 })] })).verdict, 'ok');
});

test('keepalive_race_fast_502_on_a_reused_connection', () => {
  const c = classify(t({ status: 502, attempts: [attempt({ status: 502, responseMs: 0, headerMs: null })], errorKinds: ['upstream_prematurely_closed'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace, c.silent], ['upstream_error', true, true]);
});

test('keepalive_race_retried_silently_is_ok_with_the_flag', () => {
  const c = classify(t({ status: 200, attempts: [attempt({ status: 502, responseMs: 1 }), attempt({ status: 200, headerMs: 20 })], errorKinds: ['upstream_reset'], app: app() }));
  assert.deepEqual([c.verdict, c.retried, c.keepaliveRace], ['ok', true, true]);
});

test('without_upstream_timing_a_close_is_only_a_keepalive_suspect_never_the_flag', () => {
  // combined/main logs: nothing shows the connection was a reused idle one (issue 15).
  const retried = classify(t({ status: 200, errorKinds: ['upstream_reset'] }));
  assert.deepEqual([retried.verdict, retried.retried, retried.keepaliveRace, retried.keepaliveSuspect], ['ok', true, false, false], 'an ok request is no failure to count');
  const c = classify(t({ status: 502, errorKinds: ['upstream_prematurely_closed'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace, c.keepaliveSuspect], ['upstream_error', false, true]);
  assert.equal(c.evidence.flags.keepalive_race, undefined);
  assert.equal(c.evidence.verdict.level, 'exact', 'what nginx saw (a premature close) is in its error log');
  assert.match(c.explanation, /could be a keep-alive race/);
});

test('a_keepalive_race_from_attempt_timing_is_inferred_with_its_rule', () => {
  const c = classify(t({ status: 502, attempts: [attempt({ status: 502, responseMs: 1, headerMs: null })], errorKinds: ['upstream_reset'] }));
  assert.equal(c.evidence.flags.keepalive_race?.level, 'inferred');
  assert.match(c.evidence.flags.keepalive_race?.rule ?? '', /failed 1 ms after it was sent/);
  assert.equal(c.keepaliveSuspect, false);
});

test('a_worker_death_near_a_close_is_never_a_keepalive_suspect', () => {
  const c = classify(t({ status: 502, deathNearEnd: death('timeout'), errorKinds: ['upstream_prematurely_closed'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace, c.keepaliveSuspect], ['worker_timeout', false, false]);
  assert.equal(c.evidence.verdict.level, 'inferred');
  assert.match(c.evidence.verdict.rule ?? '', /within 2 s before nginx saw the upstream close/);
});

test('every_verdict_carries_a_level_and_its_rule_or_what_is_missing', () => {
  const cases: Trace[] = [
    t({ app: app() }), t({ status: 499 }), t({ status: 413 }), t({ status: 504 }), t({ status: 502, errorKinds: ['upstream_refused'] }),
    t({ status: 500, app: app({ failed: true, status: 500 }) }), t({ status: 502 }), t({ status: 502, deathNearEnd: death('oom_kill') }),
  ];
  for (const x of cases) {
    const e = classify(x).evidence.verdict;
    assert.ok(['exact', 'inferred', 'cannot_tell'].includes(e.level));
    assert.ok(e.level === 'cannot_tell' ? (e.missing ?? '').length > 0 : (e.rule ?? '').length > 0, JSON.stringify(e));
  }
  // a 502 with no error-log line: the verdict is the fallback, and the report says what would tell
  assert.deepEqual(classify(t({ status: 502 })).evidence.verdict.level, 'cannot_tell');
  assert.equal(classify(t({ status: 499 })).evidence.verdict.level, 'exact');
  assert.equal(classify(t({ app: app() , appMatch: 'request_id' })).evidence.verdict.level, 'exact');
});

test('slow_failure_after_a_second_is_not_a_keepalive_race', () => {
  const c = classify(t({ status: 502, attempts: [attempt({ status: 502, responseMs: 2000 })], errorKinds: ['upstream_prematurely_closed'] }));
  assert.deepEqual([c.verdict, c.keepaliveRace], ['upstream_error', false]);
});

test('a_death_without_a_line_is_inferred_from_a_premature_close_and_a_new_server_process', () => {
  const restartAfter = { eventId: 9, pid: 20, time: 14_000, message: 'Started server process [20]' };
  const c = classify(t({ status: 502, errorKinds: ['upstream_prematurely_closed', 'upstream_reset'], restartAfter }));
  assert.equal(c.verdict, 'worker_crash');
  assert.equal(c.evidence.verdict.level, 'inferred');
  assert.match(c.evidence.verdict.rule ?? '', /new server process started 4\.0 s later/);
  assert.equal(c.keepaliveSuspect, false);
  assert.equal(classify(t({ status: 502, errorKinds: ['upstream_prematurely_closed'] })).verdict, 'upstream_error', 'no new process: no death inferred');
  assert.equal(classify(t({ status: 502, errorKinds: ['upstream_prematurely_closed'], restartAfter, app: app() })).verdict, 'upstream_error', 'a handler that finished did not die');
});

test('a_reset_on_a_socket_no_worker_accepted_is_upstream_unavailable', () => {
  const restartAfter = { eventId: 9, pid: 20, time: 12_000, message: 'Started server process [20]' };
  const c = classify(t({ status: 502, errorKinds: ['upstream_reset'], restartAfter }));
  assert.deepEqual([c.verdict, c.keepaliveSuspect, c.evidence.verdict.level], ['upstream_unavailable', false, 'inferred']);
});
