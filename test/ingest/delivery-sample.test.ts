/**
 * samples/delivery: one recorded run where nginx wrote the same traffic to six access logs at once
 * (the timing layout, and `$time_iso8601` first, `$msec` first, ingress-nginx upstreaminfo, escape=json with its own keys,
 * tab-separated) and the app logged its middleware lines in three Python layouts. Each access log, read
 * in place of access.log with the same error, gunicorn and NDJSON logs, must give every request with no
 * rejected line and the same verdict and flags, up to what its time can say: `$msec` (ms) must agree on
 * every request; a whole-second time ($time_iso8601, $time_local) may attribute a death differently on
 * a request or two whose order against the death is below a second. Each Python layout must give every
 * middleware line as an app record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { ingestAndCorrelate } from '../../src/correlate/analyze.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { PROFILES } from '../harness/profiles.js';
import { repoRoot } from '../helpers.js';

const LOGS = join(repoRoot(), 'samples', 'delivery', 'logs');
const skip = existsSync(join(LOGS, 'access.log')) ? false : 'samples/delivery is missing';
const P = PROFILES.delivery;

async function verdictsWith(tmp: string, access: string, format: { format: string; escape: 'default' | 'json' }) {
  const db = openStore(join(tmp, `${access}.db`));
  const r = await ingestAndCorrelate(db, [join(LOGS, access), join(LOGS, 'error.log'), join(LOGS, 'gunicorn.log'), join(LOGS, 'app.ndjson')], { tz: P.tz, logFormat: format });
  const rows = db.prepare(`SELECT a.request_id, a.status, v.verdict, v.silent, v.wasted_work, v.retried, v.stalled, v.keepalive_race
    FROM request_verdicts v JOIN nginx_access a ON a.id = v.access_id`).all() as { request_id: string }[];
  const rejects = (db.prepare('SELECT count(*) AS n FROM rejects').get() as { n: number }).n;
  db.close();
  return { byId: new Map(rows.map((x) => [x.request_id, JSON.stringify(x)])), rejects, failures: r.ingest.failures };
}

test('delivery sample: each access log_format gives every request and the same verdicts, up to its time resolution', { skip }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'droptrace-delivery-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const base = await verdictsWith(tmp, 'access.log', { format: P.logFormat!.text, escape: 'default' });
  assert.equal(base.rejects, 0);
  assert.ok(base.byId.size > 50, `${base.byId.size} requests`);
  for (const x of P.extraAccessLogs ?? []) {
    const got = await verdictsWith(tmp, x.file, { format: x.text, escape: x.escape });
    assert.deepEqual(got.failures, [], x.file);
    assert.equal(got.rejects, 0, `${x.file}: rejected lines`);
    assert.deepEqual([...got.byId.keys()].sort(), [...base.byId.keys()].sort(), `${x.file}: the same requests`);
    const differ = [...got.byId].filter(([id, v]) => base.byId.get(id) !== v).map(([, v]) => v);
    t.diagnostic(`${x.file}: ${got.byId.size} requests, ${differ.length} differ ${differ.join(' ')}`);
    if (x.text.startsWith('$msec')) assert.deepEqual(differ, [], `${x.file}: millisecond times must agree on every request`);
    else assert.ok(differ.length <= 2, `${x.file}: ${differ.length} requests differ: ${differ.join('; ')}`);
  }
});

test('delivery sample: each Python layout gives every middleware line as an app record', { skip }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'droptrace-delivery-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const middleware = readFileSync(join(LOGS, 'gunicorn.log'), 'utf8').split('\n').filter((l) => /Slow request: |Request failed after /.test(l)).length;
  assert.ok(middleware > 0);
  for (const x of P.extraPythonLogs ?? []) {
    const db = openStore(join(tmp, `${x.file}.db`));
    const r = await ingestPaths(db, [join(LOGS, x.file)], { tz: P.tz });
    const f = r.files[0]!;
    db.close();
    assert.deepEqual([f.type, f.records, f.rejected, r.failures], ['app', middleware, 0, []], x.file);
  }
});
