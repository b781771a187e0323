/**
 * Recommendations read from one model of the chain (issue 15), one named edge per test: the runtime's
 * semantics (UvicornWorker's keep-alive and heartbeat, sync workers, uvicorn alone), the load
 * balancer's clock, a restart window, no conflicting or endpoint-derived global advice, and every
 * recommendation naming its setting, where it is set, now, to set and why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecommendations, conflicts, type AdviceInput } from '../../src/report/recommendations.js';
import { buildChainModel, type ChainModel } from '../../src/report/chain-model.js';
import { nameKnob } from '../../src/report/fingerprints.js';
import { findRestartWindows } from '../../src/report/restarts.js';
import type { StoredChainSetting } from '../../src/store/sql/chain.js';
import type { ReportWorkerEventRow } from '../../src/store/sql/report-events.js';
import type { Fingerprint, RequestRef, WorkerIncident, RestartWindow } from '../../src/report/types.js';
import { type Verdict } from '../../src/domain/verdicts.js';

const ref = (id: number, uri: string, status: number, verdict: Verdict, d: number | null = 1): RequestRef =>
  ({ id, time: '2026-01-01T00:00:00.000Z', method: 'GET', uri, status, verdict, duration_s: d, source: `access.log:${id}` });
const noFacts = { gunicorn_lines: 0, uvicorn_lines: 0, gunicorn_version: null, worker_class: null, boots: 0 };
const uvicornWorkerLogs = { gunicorn_lines: 20, uvicorn_lines: 4, gunicorn_version: '20.1.0', worker_class: 'uvicorn.workers.UvicornWorker', boots: 2 };
const setting = (layer: string, name: string, value: string, value_s: number | null, source: string): StoredChainSetting =>
  ({ snapshot_id: 1, taken_ms: 0, layer, server: 'localhost', location: '/', setting: name, value, value_s, source });
const audited: StoredChainSetting[] = [
  setting('nginx', 'proxy_read_timeout', '5s', 5, 'nginx.conf:44'),
  setting('nginx', 'proxy_next_upstream', 'error timeout', null, 'nginx.conf:48'),
  setting('nginx', 'upstream app keepalive_timeout', '60s', 60, 'nginx.conf:28'),
  setting('gunicorn', 'worker_class', 'uvicorn.workers.UvicornWorker', null, 'gunicorn.cmd:2 (--worker-class)'),
  setting('gunicorn', 'timeout', '3', 3, 'gunicorn.cmd:2 (--timeout)'),
  setting('gunicorn', 'graceful_timeout', '2', 2, 'gunicorn.cmd:2 (--graceful-timeout)'),
  setting('gunicorn', 'keepalive', '2', 2, 'gunicorn.cmd:2 (--keep-alive)'),
];
const empty: AdviceInput = { fingerprints: [], incidents: [], stalls: [], races: { count: 0, requests: [] }, wasted: { requests: 0, total_s: 0, top: [], by_endpoint: [] }, slowestHandlerS: null };
const incident = (over: Partial<WorkerIncident> = {}): WorkerIncident => ({
  time: '2026-01-01T00:00:00.000Z', event: 'worker_timeout', worker_pid: 7, signal: null, message: 'WORKER TIMEOUT (pid:7)', source: 'gunicorn.log:9',
  evidence: { level: 'exact', rule: 'gunicorn\'s log names the death (gunicorn.log:9)' },
  died: [ref(1, '/block', 502, 'worker_timeout', 3.2)], died_count: 1, retried: [], retried_count: 0,
  blocker: { request: ref(1, '/block', 502, 'worker_timeout', 3.2), why: 'started 3.2 s before' }, blocker_evidence: null, blocker_candidates: [], replaced_by: null, ...over,
});
const pile = (verdict: Verdict, center: number, uri = '/api/report/1'): Fingerprint => ({
  verdict, durations: 5, clusters: [{ center_s: center, low_s: center, high_s: center + 0.01, count: 5, share: 1, knob: nameKnob(verdict, center),
    examples: [ref(2, uri, verdict === 'client_abort' ? 499 : 504, verdict, center)], user_agents: [{ agent: 'cron/1', count: 5 }] }],
});

test('uvicornworker_keepalive_is_gunicorns_keep_alive_2s_not_uvicorns_5s', () => {
  for (const chain of [buildChainModel([], uvicornWorkerLogs), buildChainModel(audited, noFacts)]) {
    const [rec] = buildRecommendations({ ...empty, chain, races: { count: 2, requests: [ref(3, '/x', 502, 'upstream_error', 0.001)] } });
    assert.equal(rec!.id, 'upstream-keepalive');
    const change = rec!.changes[0]!;
    assert.equal(change.directive, '--keep-alive', 'gunicorn\'s flag, which UvicornWorker reads');
    assert.equal(change.now, '2 s');
    assert.equal(change.set, '65', 'longer than nginx\'s upstream keepalive_timeout (60 s)');
    assert.doesNotMatch(rec!.lines.join('\n'), /keepalive_timeout 4s|timeout-keep-alive/);
  }
  const uvicornAlone = buildChainModel([], { ...noFacts, uvicorn_lines: 5 });
  const [alone] = buildRecommendations({ ...empty, chain: uvicornAlone, races: { count: 1, requests: [ref(3, '/x', 502, 'upstream_error', 0)] } });
  assert.equal(alone!.changes[0]!.directive, '--timeout-keep-alive');
  assert.equal(alone!.changes[0]!.now, '5 s');
});

test('audited_chain_values_are_cited_with_file_and_line', () => {
  const chain = buildChainModel(audited, noFacts);
  assert.equal(chain.origin, 'audit');
  const [rec] = buildRecommendations({ ...empty, chain, races: { count: 1, requests: [ref(3, '/x', 502, 'upstream_error', 0)] } });
  assert.equal(rec!.changes[0]!.where, 'gunicorn.cmd:2 (--keep-alive)');
  assert.match(rec!.changes[0]!.why, /nginx\.conf:28/);
});

test('with_uvicornworker_timeout_is_a_heartbeat_never_raised', () => {
  const chain = buildChainModel(audited, noFacts);
  const [rec] = buildRecommendations({ ...empty, chain, incidents: [incident()], slowestHandlerS: 12 });
  assert.equal(rec!.id, 'gunicorn-timeout');
  assert.equal(rec!.changes[0]!.set, 'unchanged');
  assert.match(rec!.detail, /heartbeat, not a request bound/);
  assert.doesNotMatch(rec!.lines.join('\n'), /--timeout \d/);
});

test('with_sync_workers_timeout_bounds_a_request_and_is_raised_only_from_the_slowest_request_of_all', () => {
  const chain: ChainModel = { ...buildChainModel([], { ...noFacts, gunicorn_lines: 5, worker_class: 'sync' }) };
  assert.equal(chain.worker_kind, 'sync');
  assert.equal(chain.app_keepalive, null, 'sync workers close after each response');
  const [raised] = buildRecommendations({ ...empty, chain, incidents: [incident()], slowestHandlerS: 40 });
  assert.equal(raised!.changes[0]!.set, '48', 'the slowest completed request + 20%, below proxy_read_timeout 60 s');
  const [kept] = buildRecommendations({ ...empty, chain, incidents: [incident()], slowestHandlerS: 10 });
  assert.equal(kept!.changes[0]!.set, 'unchanged');
  const [tooSlow] = buildRecommendations({ ...empty, chain, incidents: [incident()], slowestHandlerS: 70 });
  assert.equal(tooSlow!.changes[0]!.set, 'unchanged', 'never above nginx\'s proxy_read_timeout');
});

test('a_499_pile_at_60s_under_a_load_balancer_names_its_idle_timeout_never_proxy_read_timeout_54s', () => {
  const lb = buildChainModel([...audited, setting('lb', 'idle timeout', '60', 60, '--lb-idle-timeout')], noFacts);
  for (const chain of [lb, buildChainModel([], uvicornWorkerLogs)]) {
    const recs = buildRecommendations({ ...empty, chain, fingerprints: [pile('client_abort', 60)] });
    const text = JSON.stringify(recs);
    assert.doesNotMatch(text, /proxy_read_timeout \d+s/);
    assert.doesNotMatch(text, /--timeout \d/);
    assert.match(recs[0]!.changes[0]!.directive, /load balancer's idle timeout/);
  }
  assert.equal(buildRecommendations({ ...empty, chain: lb, fingerprints: [pile('client_abort', 60)] })[0]!.changes[0]!.where, '--lb-idle-timeout');
});

test('a_499_pile_at_30s_says_the_lb_may_be_it_gcp_defaults_to_30s', () => {
  assert.match(nameKnob('client_abort', 30), /GCP's external Application Load Balancer default 30 s/);
  assert.doesNotMatch(nameKnob('client_abort', 60), /GCP/, 'GCP\'s backend timeout is 30 s, not 60 s');
  const [rec] = buildRecommendations({ ...empty, fingerprints: [pile('client_abort', 30)] });
  assert.match(rec!.detail, /GCP .*default 30 s.* or the client's own/);
});

test('one_clients_499s_never_set_a_global_timeout', () => {
  const recs = buildRecommendations({ ...empty, chain: buildChainModel([], uvicornWorkerLogs), fingerprints: [pile('client_abort', 10)], incidents: [incident()] });
  const client = recs.find((r) => r.id === 'client-clock-first')!;
  assert.deepEqual(client.changes.map((c) => c.directive), ["the client's timeout"]);
  assert.equal(client.lines.length, 0);
  assert.doesNotMatch(JSON.stringify(recs), /--timeout 8|--timeout 48|proxy_read_timeout 9s/);
  // a 504 pile on "/" (every endpoint) gives no value either
  const [root] = buildRecommendations({ ...empty, fingerprints: [pile('proxy_timeout', 60, '/')], slowestHandlerS: 90 });
  assert.equal(root!.changes[0]!.set, 'unchanged');
});

test('no_two_recommendations_set_one_setting_differently_and_each_names_what_it_changes', () => {
  const w: RestartWindow = { from: 'a', to: 'b', stop: { message: 'Handling signal: term', source: 'g.log:1' }, start: { message: 'Starting gunicorn 20.1.0', source: 'g.log:9' },
    failed_count: 3, by_verdict: { upstream_unavailable: 3 }, requests: [ref(9, '/x', 502, 'upstream_unavailable', 0)] };
  for (const chain of [buildChainModel(audited, noFacts), buildChainModel([], uvicornWorkerLogs), buildChainModel([], { ...noFacts, gunicorn_lines: 3 })]) {
    const recs = buildRecommendations({
      ...empty, chain, fingerprints: [pile('client_abort', 10), pile('proxy_timeout', 60, '/api/export'), pile('client_abort', 60, '/api/feed')],
      incidents: [incident(), incident({ event: 'worker_signaled', signal: 9 })], races: { count: 1, requests: [ref(3, '/x', 502, 'upstream_error', 0)] },
      restarts: [w], slowestHandlerS: 40,
    });
    assert.ok(recs.length >= 6);
    assert.deepEqual(conflicts(recs), []);
    for (const r of recs) {
      assert.ok(r.changes.length > 0, `${r.id} names a setting`);
      for (const c of r.changes) for (const k of ['directive', 'where', 'now', 'set', 'why'] as const) assert.ok(c[k].length > 0, `${r.id}: ${k}`);
      assert.ok(r.evidence.length > 0, `${r.id} cites requests`);
    }
  }
});

test('a_restart_window_gets_its_own_finding_with_graceful_reload_and_proxy_next_upstream', () => {
  const ev = (id: number, t: number, event: string, message: string): ReportWorkerEventRow => ({ id, time_ms: t, event, pid: 1, worker_pid: null, signal: null, exit_code: null, message, file: 'g.log', line_no: id });
  const windows = findRestartWindows([
    ev(1, 1_000, 'server_started', 'Started server process [5]'),
    ev(2, 10_000, 'handling_signal', 'Handling signal: term'), ev(3, 10_500, 'app_shutdown', 'Shutting down'), ev(4, 11_000, 'shutting_down', 'Shutting down: Master'),
    ev(5, 12_500, 'starting', 'Starting gunicorn 20.1.0'), ev(6, 12_600, 'listening', 'Listening at: http://127.0.0.1:8000 (9)'), ev(7, 12_700, 'server_started', 'Started server process [10]'),
    ev(8, 50_000, 'handling_signal', 'Handling signal: winch'),
  ]);
  assert.equal(windows.length, 1, 'one stop → start; a WINCH is no restart');
  assert.deepEqual([windows[0]!.stop.id, windows[0]!.start.id], [2, 5]);
  assert.ok(windows[0]!.to >= 12_700, 'until the new workers are up');
  const w: RestartWindow = { from: 'a', to: 'b', stop: { message: 'Handling signal: term', source: 'g.log:2' }, start: { message: 'Starting gunicorn 20.1.0', source: 'g.log:5' },
    failed_count: 23, by_verdict: { upstream_unavailable: 23 }, requests: [ref(9, '/x', 502, 'upstream_unavailable', 0)] };
  const [rec] = buildRecommendations({ ...empty, chain: buildChainModel(audited, noFacts), restarts: [w] });
  assert.equal(rec!.id, 'restart-window');
  assert.match(rec!.title, /23 refused while nothing listened/);
  assert.match(rec!.lines.join('\n'), /kill -HUP/);
  assert.deepEqual(rec!.changes.map((c) => [c.directive, c.where]), [['--graceful-timeout', 'gunicorn.cmd:2 (--graceful-timeout)'], ['proxy_next_upstream', 'nginx.conf:48']]);
});

test('a_locations_proxy_read_timeout_is_sized_from_its_own_handlers_only', () => {
  const fp = [pile('proxy_timeout', 60, '/api/export')];
  const other = buildRecommendations({ ...empty, fingerprints: fp, slowestHandlerS: 90, slowestOfEndpoint: (e) => (e === 'GET /api/report/:id' ? 90 : null) });
  assert.equal(other[0]!.changes[0]!.set, 'unchanged', 'another endpoint\'s slow handler sizes nothing here');
  const own = buildRecommendations({ ...empty, fingerprints: fp, slowestHandlerS: 90, slowestOfEndpoint: (e) => (e === 'GET /api/export' ? 90 : null) });
  assert.equal(own[0]!.changes[0]!.set, '108s in location /api/export only');
  assert.equal(own[0]!.changes[0]!.directive, 'proxy_read_timeout (location /api/export)');
});
