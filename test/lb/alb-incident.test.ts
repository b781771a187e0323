/**
 * An ALB in front of the timing-format nginx (test/lb/alb-incident.ts): ingested as S3 delivers the
 * ALB's log (.gz), correlated, exported and reported. Every ALB request is a request, those nginx
 * never logged included; the ALB's idle timeout is told from a client that gave up; the report's
 * chart and advice name the load balancer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { correlate } from '../../src/correlate/correlate.js';
import { iterateRequests } from '../../src/lookup/requests.js';
import { traceRequest } from '../../src/lookup/trace.js';
import { runCliCaptured } from '../helpers.js';
import { incidentDb } from './alb-incident-db.js';


const tagOf = (uri: string | null) => /dt=(t\d+)/.exec(uri ?? '')?.[1] ?? null;

test('alb_incident_every_lb_request_is_a_request_with_its_true_verdict', async (t) => {
  const { db, inc, r } = await incidentDb(t);
  assert.deepEqual(r.files.map((f) => f.type).sort(), ['alb', 'nginx-access']);
  const c = correlate(db);
  assert.equal(c.requests, inc.truth.length);
  const rows = [...iterateRequests(db)];
  assert.equal(rows.length, inc.truth.length);
  const byTag = new Map(rows.map((x) => [tagOf(x.uri), x]));
  for (const want of inc.truth) {
    const got = byTag.get(want.tag);
    assert.ok(got, `${want.tag} is a request`);
    assert.equal(got.verdict, want.verdict, `${want.tag}: ${got.explanation}`);
    assert.equal(got.nginx === null, !want.nginxLogged, `${want.tag}: nginx ${JSON.stringify(got.nginx)}`);
    assert.ok(got.lb !== null && got.lb.kind === 'alb', `${want.tag} carries its ALB line`);
  }
  const races = rows.filter((x) => x.verdict === 'lb_upstream_error');
  assert.ok(races.every((x) => x.keepalive_race && /keep-alive race/.test(x.explanation)));
  const timeout = rows.find((x) => x.verdict === 'lb_timeout')!;
  assert.deepEqual([timeout.lb!.status, timeout.lb!.target_status, timeout.nginx!.status], [504, null, 499]);
  assert.match(timeout.explanation, /ALB logged 504 after 60\.0 s: its timeout fired first/);
  const gaveUp = rows.find((x) => x.verdict === 'client_abort')!;
  assert.match(gaveUp.explanation, /ALB logged 460 after 30\.0 s: the client left the LB/);
});

test('alb_incident_trace_shows_the_lb_line_and_lb_only_requests_trace_too', async (t) => {
  const { db } = await incidentDb(t);
  correlate(db);
  const rows = [...iterateRequests(db)];
  const lbOnly = rows.find((x) => x.nginx === null)!;
  const tr = traceRequest(db, lbOnly.id)!;
  assert.equal(tr.verdict, lbOnly.verdict);
  assert.ok(tr.events.some((e) => e.layer === 'lb' && e.source.includes('.log.gz:')));
  const matched = rows.find((x) => x.verdict === 'lb_timeout')!;
  const tm = traceRequest(db, matched.id)!;
  assert.deepEqual([...new Set(tm.events.map((e) => e.layer))].sort(), ['lb', 'nginx']);
});

test('alb_incident_a_second_correlation_pairs_nothing_twice', async (t) => {
  const { db, inc } = await incidentDb(t);
  correlate(db);
  const first = [...iterateRequests(db)].map((x) => `${x.id}:${x.verdict}`);
  correlate(db, { fromMs: Date.UTC(2026, 11, 1, 10, 1, 0) });
  const second = [...iterateRequests(db)].map((x) => `${x.id}:${x.verdict}`);
  assert.deepEqual(second, first);
  assert.equal(second.length, inc.truth.length);
});

test('alb_incident_report_names_the_load_balancer', async (t) => {
  const { dir } = await incidentDb(t);
  const out = await runCliCaptured(['report', '--db', join(dir, 'd.db'), '--format', 'text']);
  assert.equal(out.exitCode, 0, out.stderr);
  assert.match(out.stdout, /lb_timeout\s+4/);
  assert.match(out.stdout, /lb_upstream_error\s+3/);
  assert.match(out.stdout, /idle timeout/i);
});
