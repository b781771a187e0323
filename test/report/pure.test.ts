/** The report's pure pieces: endpoint collapsing, fingerprint clustering, knob naming, --fail-on rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapsePath, isIdSegment } from '../../src/report/endpoints.js';
import { findClusters, nameKnob, buildHistogram } from '../../src/report/fingerprints.js';
import { parseFailOnRule, evaluateRule, type FailOnRule } from '../../src/report/fail-on.js';

test('collapsePath: numeric, uuid and long hex segments become :id, the query is dropped', () => {
  assert.equal(collapsePath('/api/items/42'), '/api/items/:id');
  assert.equal(collapsePath('/api/items/42?x=1'), '/api/items/:id');
  assert.equal(collapsePath('/u/3f2504e0-4f89-11d3-9a0c-0305e82c3301/orders/7'), '/u/:id/orders/:id');
  assert.equal(collapsePath('/blob/5f1d7a2b9c3e4d5f6a7b8c9d'), '/blob/:id');
  assert.equal(collapsePath('/'), '/');
  assert.equal(collapsePath(null), '(no path)');
});

test('collapsePath: words that happen to be hex stay (cafe, deadbeef has no digit)', () => {
  assert.equal(isIdSegment('cafe'), false);
  assert.equal(isIdSegment('deadbeef'), false);
  assert.equal(isIdSegment('v2'), false);
  assert.equal(collapsePath('/api/v2/feed'), '/api/v2/feed');
});

test('findClusters: a tight pile at 60.0 s among spread durations is found, centred on its median', () => {
  const spread = Array.from({ length: 40 }, (_, i) => 0.2 + i * 1.3);
  const pile = [60.001, 60.002, 60.0, 60.004, 60.003, 60.01];
  const c = findClusters([...spread, ...pile]);
  assert.equal(c.length, 1);
  assert.equal(c[0]!.centerS, 60);
  assert.equal(c[0]!.count, 6);
});

test('findClusters: two clocks, two clusters, in duration order', () => {
  const d = [30.1, 30.2, 30.15, 30.3, 10, 10.01, 10.02, 1, 5, 17, 22, 41, 47];
  const c = findClusters(d);
  assert.deepEqual(c.map((x) => x.centerS), [10, 30.2]);
  assert.deepEqual(c.map((x) => x.count), [3, 4]);
});

test('findClusters: evenly spread durations have no fingerprint; too few points none either', () => {
  assert.deepEqual(findClusters(Array.from({ length: 100 }, (_, i) => i * 0.7)), []);
  assert.deepEqual(findClusters([60, 60]), []);
  assert.deepEqual(findClusters([]), []);
});

test('findClusters: instant failures (0 s piles) are not a clock', () => {
  assert.deepEqual(findClusters([0, 0.001, 0.002, 0.003, 0.002]), []);
});

test('findClusters: all durations in one pile is still a pile', () => {
  const c = findClusters([10, 10.001, 10.002, 10.003]);
  assert.equal(c.length, 1);
  assert.equal(c[0]!.share, 1);
});

test('nameKnob: defaults by verdict, else the verdict-specific clock', () => {
  assert.match(nameKnob('proxy_timeout', 60), /proxy_read_timeout \(default 60 s\)/);
  assert.match(nameKnob('client_abort', 60.2), /load balancer idle timeout/);
  assert.match(nameKnob('worker_timeout', 30.6), /gunicorn --timeout \(default 30 s\)/);
  assert.match(nameKnob('client_abort', 10), /client's own timeout \(≈10 s\)/);
  assert.match(nameKnob('proxy_timeout', 59.5), /set to ≈59.5 s/, 'a clock never fires early: 59.5 s is not the 60 s default');
});

test('buildHistogram: chooses a bin width that keeps the chart small and groups by verdict', () => {
  const h = buildHistogram([{ group: 'a', durationS: 0.05 }, { group: 'b', durationS: 0.07 }, { group: 'a', durationS: 60 }]);
  assert.equal(h.binS, 0.5);
  assert.deepEqual(h.bins.map((b) => [b.startS, b.total]), [[0, 2], [60, 1]]);
  assert.deepEqual(h.bins[0]!.counts, { a: 1, b: 1 });
});

const rule = (t: string): FailOnRule => {
  const r = parseFailOnRule(t);
  assert.ok(r.ok, `expected ${t} to parse`);
  return r.rule;
};

test('parseFailOnRule: names, operators, counts and percentages', () => {
  assert.deepEqual(rule('silent>0'), { text: 'silent>0', name: 'silent', op: '>', value: 0, percent: false });
  assert.deepEqual(rule('client_abort>1%'), { text: 'client_abort>1%', name: 'client_abort', op: '>', value: 1, percent: true });
  assert.equal(rule('worker_timeout>=1').op, '>=');
  assert.equal(rule('failed <= 2.5%').value, 2.5);
  assert.equal(rule('requests==0').op, '=');
  assert.equal(rule('wasted_work<5').op, '<');
});

test('parseFailOnRule: bad rules say what to write', () => {
  const bad = (t: string, re: RegExp) => {
    const r = parseFailOnRule(t);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  };
  bad('silent', /NAME OP VALUE/);
  bad('silent>>1', /NAME OP VALUE/);
  bad('timeouts>1', /unknown name "timeouts"; use one of failed, requests, ok/);
  bad('silent>101%', /percentage above 100/);
});

test('evaluateRule: counts and percentages of all requests', () => {
  const counts = { silent: 3, client_abort: 2, worker_timeout: 0 };
  assert.equal(evaluateRule(rule('silent>0'), counts, 200).held, true);
  assert.equal(evaluateRule(rule('client_abort>1%'), counts, 200).held, false, '1.00% is not above 1%');
  assert.equal(evaluateRule(rule('client_abort>=1%'), counts, 200).held, true);
  assert.equal(evaluateRule(rule('worker_timeout>=1'), counts, 200).held, false);
  assert.equal(evaluateRule(rule('silent=3'), counts, 200).held, true);
  assert.equal(evaluateRule(rule('client_abort>1%'), counts, 0).held, false, 'no requests: 0%');
  assert.equal(evaluateRule(rule('keepalive_race<1'), counts, 10).held, true, 'a name with no count is 0');
});
