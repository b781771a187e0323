/** The report's pure pieces: endpoint collapsing, fingerprint clustering, knob naming, --fail-on rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapsePath, isIdSegment } from '../../src/report/endpoints.js';
import { findClusters, nameKnob, buildHistogram } from '../../src/report/fingerprints.js';
import { parseFailOnRule, evaluateRule, type FailOnRule } from '../../src/report/fail-on.js';
import { seededRandom } from '../support/random.js';

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

/** The clustering as first written, on a plain list (sorting every member): the binned one must agree with it. */
function naiveClusters(durationsS: readonly number[]): { centerS: number; lowS: number; highS: number; count: number }[] {
  const remaining = new Set<number>();
  durationsS.forEach((d, i) => { if (d >= 0.5) remaining.add(i); });
  const out: { centerS: number; lowS: number; highS: number; count: number }[] = [];
  while (out.length < 5 && remaining.size >= 3) {
    const bins = new Map<number, number>();
    for (const i of remaining) bins.set(Math.round(durationsS[i]! * 1000 / 100), (bins.get(Math.round(durationsS[i]! * 1000 / 100)) ?? 0) + 1);
    const keys = [...bins.keys()].sort((a, b) => a - b);
    let best = { center: 0, mass: -1 };
    for (const c of keys) {
      let mass = 0;
      for (let b = c - 5; b <= c + 5; b++) mass += bins.get(b) ?? 0;
      if (mass > best.mass) best = { center: c, mass };
    }
    if (best.mass < 3) break;
    const spread = Math.max(11, keys[keys.length - 1]! - keys[0]! + 1);
    if (spread === 11 ? remaining.size < 3 : best.mass < (4 * remaining.size * 11) / spread) break;
    const members = [...remaining].filter((i) => Math.abs(Math.round(durationsS[i]! * 1000 / 100) - best.center) <= 5);
    const sorted = members.map((i) => Math.round(durationsS[i]! * 1000)).sort((a, b) => a - b);
    const m = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
    out.push({ centerS: Math.round(median / 100) / 10, lowS: sorted[0]! / 1000, highS: sorted[sorted.length - 1]! / 1000, count: members.length });
    for (const i of members) remaining.delete(i);
  }
  return out.sort((a, b) => a.centerS - b.centerS);
}

test('findClusters: on 0.1 s bins it finds exactly the piles, bounds and medians of sorting every duration (500 random sets)', () => {
  const rand = seededRandom(7);
  for (let k = 0; k < 500; k++) {
    const d: number[] = [];
    for (let i = 0; i < 40; i++) d.push(Math.round(rand() * 90_000) / 1000);
    const clocks = [5, 30, 60, 60.05].filter(() => rand() < 0.6);
    for (const c of clocks) for (let i = 0, n = 3 + Math.floor(rand() * 30); i < n; i++) d.push(c + Math.round(rand() * 300) / 1000);
    const got = findClusters(d).map(({ centerS, lowS, highS, count }) => ({ centerS, lowS, highS, count }));
    assert.deepEqual(got, naiveClusters(d), `set ${k}`);
  }
});
