import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds, parseNginxTime } from '../../src/nginx-conf/time.js';

test('parseNginxTime: nginx time syntax', () => {
  const cases: [string, number][] = [['10', 10], ['10s', 10], ['500ms', 0.5], ['1m30s', 90], ['1h', 3600], ['1d', 86400], ['1w', 604800], ['1M', 2592000], ['1y', 31536000], ['1m30', 90], ['1h 30m', 5400], ['0', 0]];
  for (const [text, s] of cases) assert.deepEqual(parseNginxTime(text), { ok: true, seconds: s }, text);
});

test('parseNginxTime: rejects what nginx rejects', () => {
  for (const bad of ['', 's', '30s1m', '1m1m', '10x', '-5', '1 2']) assert.equal(parseNginxTime(bad).ok, false, bad);
});

test('formatSeconds: shortest nginx spelling', () => {
  assert.equal(formatSeconds(90), '1m30s');
  assert.equal(formatSeconds(0.5), '500ms');
  assert.equal(formatSeconds(3600), '1h');
  assert.equal(formatSeconds(0), '0s');
});
