/**
 * Runs without the stack (CI): the committed samples/<profile> recordings are complete, and the
 * truth labelling gives the right fate to the cases a real run produced.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES, type ProfileName } from './profiles.js';
import { REPO_ROOT } from './stack.js';
import { checkRecording, parseAccessLog, readRecording } from './recording.js';
import { buildTruth, type AppEvent, type RunKnowledge } from './truth.js';
import type { ClientResult } from './client.js';

for (const profile of Object.keys(PROFILES) as ProfileName[]) {
  test(`samples/${profile} is a complete recording`, () => {
    const dir = join(REPO_ROOT, 'samples', profile);
    assert.ok(existsSync(join(dir, 'truth', 'requests.ndjson')), `${dir}: no recording; see test/harness/README.md`);
    const rec = readRecording(dir);
    assert.deepEqual(checkRecording(rec), []);
    assert.equal(rec.summary.profile, profile);
    assert.ok(existsSync(join(dir, 'README.md')), 'each sample explains itself');
    assert.ok(existsSync(join(dir, 'conf', 'nginx.conf')));
  });
}

test('sample files carry no path of the machine that recorded them', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const file of walk(join(REPO_ROOT, 'samples'))) {
    assert.ok(!readFileSync(file, 'utf8').includes(REPO_ROOT), `${file} contains ${REPO_ROOT}`);
  }
});

test('parseAccessLog reads the tag and status of combined, timing and json lines', () => {
  const lines = [
    '127.0.0.1 - - [25/Nov/2026:21:29:22 +0000] "POST /crash?delay=0.5&dt=t0160 HTTP/1.1" 502 157 "-" "ua"',
    '127.0.0.1 - - [25/Nov/2026:21:35:57 +0000] "GET /api/items/4?dt=t0031 HTTP/1.1" 200 24 "-" "ua" rt=0.006 us="502, 200" rid=x',
    '{"time":"2026-11-26T03:05:57+05:30","status":"499","uri":"/slow?seconds=3&dt=t0021","upstream_status":""}',
  ].join('\n');
  const entries = parseAccessLog(lines);
  assert.deepEqual(
    entries.map((e) => [e.tag, e.status, e.upstreamStatus]),
    [['t0160', 502, null], ['t0031', 200, '502, 200'], ['t0021', 499, '']],
  );
});

function client(tag: string, uri: string, status: number | null, outcome: ClientResult['outcome'] = 'response'): ClientResult {
  return {
    tag, scenario: 'unit', method: 'GET', uri, startMs: 1000, endMs: 5000, outcome, status, error: null,
    abortAfterMs: outcome === 'aborted' ? 1000 : null,
  };
}
const ev = (e: Record<string, unknown>): AppEvent => ({ mono: 0, ...e }) as unknown as AppEvent;
const knowledge: RunKnowledge = {
  gunicornDown: [{ fromMs: 9000, toMs: 9500 }],
  expected: new Map(),
  blockingPath: '/block',
  killedPids: new Set([30]),
};

test('truth labels: a blocked worker that never finished timed out, and so did its neighbour', () => {
  const truth = buildTruth(
    [client('t1', '/block?seconds=8&dt=t1', 502), client('t2', '/slow?dt=t2', 200)],
    [
      ev({ ev: 'start', tag: 't1', pid: 10, wall: 1001, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'start', tag: 't2', pid: 10, wall: 1002, path: '/slow', method: 'GET', rid: null }),
      ev({ ev: 'start', tag: 't1', pid: 11, wall: 3001, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'start', tag: 't2', pid: 12, wall: 3002, path: '/slow', method: 'GET', rid: null }),
      ev({ ev: 'finish', tag: 't2', pid: 12, wall: 3100, outcome: 'completed', status: 200 }),
    ],
    knowledge,
  );
  const [t1, t2] = truth;
  assert.equal(t1?.label, 'worker_timeout');
  assert.equal(t1?.retried, true);
  assert.equal(t2?.label, 'ok');
  assert.equal(t2?.attempts[0]?.death, 'worker_timeout');
  assert.equal(t2?.wastedWork, false);
});

test('truth labels: a 502 the app never saw, ending while a blocked worker died, is that worker\'s timeout', () => {
  const queued = { ...client('t8', '/api/items?dt=t8', 502), startMs: 2000, endMs: 3500 };
  const truth = buildTruth(
    [client('t1', '/block?seconds=8&dt=t1', 502), queued],
    [
      ev({ ev: 'start', tag: 't1', pid: 10, wall: 1001, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'boot', pid: 13, wall: 3600 }),
    ],
    knowledge,
  );
  assert.equal(truth.find((t) => t.tag === 't8')?.label, 'worker_timeout');
});

test('truth labels: queued behind two deaths in a row, a 502 the app never saw is the second worker\'s timeout', () => {
  // live zone run, t0222: reset when worker 10 died, retried onto worker 11, which the retried /block
  // killed 3 s later; worker 10's replacement booted in between
  const queued = { ...client('t8', '/health?dt=t8', 502), startMs: 1500, endMs: 7100 };
  const truth = buildTruth(
    [client('t1', '/block?seconds=8&dt=t1', 502), queued],
    [
      ev({ ev: 'start', tag: 't1', pid: 10, wall: 1001, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'start', tag: 't1', pid: 11, wall: 4005, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'boot', pid: 12, wall: 4300 }),
      ev({ ev: 'boot', pid: 13, wall: 7300 }),
    ],
    knowledge,
  );
  assert.equal(truth.find((t) => t.tag === 't8')?.label, 'worker_timeout');
});

test('truth labels: a handler that finished as another blocked its worker, then died unsent, is that worker\'s timeout', () => {
  // live timing run, t0145: the handler completed 0.1 ms after /block began on the same worker
  const unsent = { ...client('t9', '/api/items/17?dt=t9', 502), startMs: 900, endMs: 4100 };
  const truth = buildTruth(
    [client('t1', '/block?seconds=8&dt=t1', 502), unsent],
    [
      ev({ ev: 'start', tag: 't9', pid: 10, wall: 1000.5, path: '/api/items/17', method: 'GET', rid: null }),
      ev({ ev: 'start', tag: 't1', pid: 10, wall: 1001, path: '/block', method: 'GET', rid: null }),
      ev({ ev: 'finish', tag: 't9', pid: 10, wall: 1001.1, outcome: 'completed', status: 200 }),
      ev({ ev: 'boot', pid: 13, wall: 4300 }),
    ],
    knowledge,
  );
  assert.equal(truth.find((t) => t.tag === 't9')?.label, 'worker_timeout');
});

test('truth labels: abort with the handler finishing later is client_abort with wasted work', () => {
  const [t] = buildTruth(
    [client('t3', '/slow?seconds=3&dt=t3', null, 'aborted')],
    [
      ev({ ev: 'start', tag: 't3', pid: 10, wall: 1001, path: '/slow', method: 'GET', rid: null }),
      ev({ ev: 'finish', tag: 't3', pid: 10, wall: 4001, outcome: 'completed', status: 200 }),
    ],
    knowledge,
  );
  assert.equal(t?.label, 'client_abort');
  assert.equal(t?.wastedWork, true);
});

test('truth labels: 502 without the app is unavailable while gunicorn is down, an upstream error otherwise', () => {
  const down = { ...client('t4', '/api/items/1?dt=t4', 502), startMs: 9100, endMs: 9101 };
  const race = { ...client('t5', '/api/items?dt=t5', 502), startMs: 20_000, endMs: 20_001 };
  const rejected = client('t6', '/api/items?dt=t6', 413);
  const killed = client('t7', '/slow?dt=t7', 502);
  const truth = buildTruth(
    [down, race, rejected, killed],
    [ev({ ev: 'start', tag: 't7', pid: 30, wall: 1001, path: '/slow', method: 'POST', rid: null })],
    knowledge,
  );
  const labels = Object.fromEntries(truth.map((t) => [t.tag, t.label]));
  assert.deepEqual(labels, { t4: 'upstream_unavailable', t5: 'upstream_error', t6: 'rejected_by_proxy', t7: 'worker_crash' });
});
