import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchDrop, type AttemptOutcome } from '../../src/probe/search.js';
import { runProbe, type ProbeDeps } from '../../src/probe/index.js';

/** A stack whose clock fires at `at` seconds with `failure`: waits below it succeed after s seconds. */
const clockAt = (at: number, failure: 'http_504' | 'http_502' = 'http_504') => {
  const calls: number[] = [];
  const attempt = async (s: number): Promise<AttemptOutcome> => {
    calls.push(s);
    return s < at ? { ok: true, status: 200, elapsed_s: s } : { ok: false, failure, status: Number(failure.slice(5)), elapsed_s: at, detail: '' };
  };
  return { calls, attempt };
};

test('search: doubles from the start, then bisects to the precision', async () => {
  const { calls, attempt } = clockAt(7);
  const r = await searchDrop(attempt, { start: 1, precision: 0.5, max: 120, maxRequests: 30 });
  assert.deepEqual(calls, [1, 2, 4, 8, 6, 7, 6.5]);
  assert.deepEqual([r.last_ok_s, r.first_fail_s, r.drop_s, r.failure, r.stopped], [6.5, 7, 7, 'http_504', 'found']);
});

test('search: drop_s comes from the failures’ elapsed time, kept inside the bracket', async () => {
  const { attempt } = clockAt(5.3, 'http_502');
  const r = await searchDrop(attempt, { start: 1, precision: 0.5, max: 120, maxRequests: 30 });
  assert.equal(r.failure, 'http_502');
  assert.ok(r.last_ok_s !== null && r.first_fail_s !== null && r.first_fail_s - r.last_ok_s <= 0.5);
  assert.equal(r.drop_s, 5.3);
});

test('search: no drop up to max', async () => {
  const { calls, attempt } = clockAt(1000);
  const r = await searchDrop(attempt, { start: 1, precision: 0.5, max: 10, maxRequests: 30 });
  assert.deepEqual(calls, [1, 2, 4, 8, 10]);
  assert.deepEqual([r.stopped, r.last_ok_s, r.drop_s], ['no-drop', 10, null]);
});

test('search: a failing start is halved until something succeeds', async () => {
  const { calls, attempt } = clockAt(0.7);
  const r = await searchDrop(attempt, { start: 2, precision: 0.25, max: 10, maxRequests: 30 });
  assert.deepEqual(calls.slice(0, 3), [2, 1, 0.5]);
  assert.equal(r.stopped, 'found');
  assert.ok(r.last_ok_s !== null && r.last_ok_s < 0.7 && (r.first_fail_s ?? 0) >= 0.7);
});

test('search: fails at start when even the smallest wait fails', async () => {
  const { attempt } = clockAt(0);
  const r = await searchDrop(attempt, { start: 1, precision: 0.5, max: 10, maxRequests: 30 });
  assert.equal(r.stopped, 'fails-at-start');
});

test('search: never more than maxRequests, and one at a time', async () => {
  let inFlight = 0;
  let most = 0;
  const attempt = async (s: number): Promise<AttemptOutcome> => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    return s < 77.7 ? { ok: true, status: 200, elapsed_s: s } : { ok: false, failure: 'http_504', status: 504, elapsed_s: 77.7, detail: '' };
  };
  const r = await searchDrop(attempt, { start: 1, precision: 0.001, max: 120, maxRequests: 9 });
  assert.equal(r.attempts.length, 9);
  assert.equal(r.stopped, 'max-requests');
  assert.equal(most, 1);
  assert.ok(r.last_ok_s !== null && r.first_fail_s !== null, 'what is known is still reported');
});

test('search: an interrupted attempt stops the search and keeps what is known', async () => {
  let n = 0;
  const r = await searchDrop(async (s) => (++n > 3 ? 'aborted' : { ok: true, status: 200, elapsed_s: s }), { start: 1, precision: 0.5, max: 120, maxRequests: 30 });
  assert.deepEqual([r.stopped, r.last_ok_s, r.attempts.length], ['interrupted', 4, 3]);
});

/** Fake GET + clock: the response to ?seconds=s takes min(s, at) of fake time. */
function fakeDeps(at: number, status: number): ProbeDeps & { urls: string[] } {
  let now = 0;
  const urls: string[] = [];
  return {
    urls,
    now: () => now,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
    get: async (url) => {
      urls.push(url);
      const s = Number(new URL(url).searchParams.get('seconds'));
      now += Math.min(s, at) * 1000;
      return { status: s < at ? 200 : status, body: [] };
    },
  };
}

test('runProbe: fills {s}, reports the drop, and names the directive from the nginx config', async (t) => {
  const { writeTemp, conf } = await import('../audit/helpers.js');
  const { join } = await import('node:path');
  const dir = writeTemp({ 'nginx.conf': conf('server { listen 8080; location /slow { proxy_pass http://127.0.0.1:8000; proxy_read_timeout 7s; } location / { proxy_pass http://127.0.0.1:8000; } }') });
  const deps = fakeDeps(7, 504);
  const out = await runProbe({ url: 'http://127.0.0.1:8080/slow?seconds={s}', audit: { nginxConf: join(dir, 'nginx.conf'), cmd: 'gunicorn -w 2 -t 30 -b 127.0.0.1:8000 app:app' } }, deps);
  assert.ok(out.ok);
  assert.equal(deps.urls[0], 'http://127.0.0.1:8080/slow?seconds=1');
  assert.equal(deps.urls.at(-1), 'http://127.0.0.1:8080/slow?seconds=6.5');
  assert.deepEqual([out.result.drop_s, out.result.failure, out.result.requests], [7, 'http_504', 7]);
  assert.deepEqual(out.result.matches.map((m) => [m.layer, m.setting, m.value_s]), [['nginx', 'proxy_read_timeout', 7]]);
  assert.match(out.result.matches[0]?.source ?? '', /nginx\.conf:3$/);
  t.diagnostic(JSON.stringify(out.result.matches));
});

test('runProbe: usage errors are values', async () => {
  const deps = fakeDeps(7, 504);
  const noS = await runProbe({ url: 'http://127.0.0.1:8080/slow' }, deps);
  assert.ok(!noS.ok && noS.kind === 'usage' && /no \{s\}/.test(noS.message));
  const badMax = await runProbe({ url: 'http://127.0.0.1/x?s={s}', max: 0.5 }, deps);
  assert.ok(!badMax.ok && badMax.kind === 'usage');
  assert.equal(deps.urls.length, 0, 'nothing is sent when the options are wrong');
});
