/**
 * Load balancer logs through the ingest path: each vendor's file is recognised by content (ALB `.gz`
 * objects as S3 delivers them included), its rows land in lb_access with their provenance, and the
 * examples of one vendor are never taken for another layer's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { detectSource } from '../../src/ingest/detect.js';
import { readExamples } from '../parsers/examples.js';
import { tempDir } from '../helpers.js';

const recordLines = (folder: string) => readExamples(folder).examples.filter((e) => e.expect.kind === 'record').map((e) => e.line);

const CASES = [
  { folder: 'aws-alb', type: 'alb' },
  { folder: 'aws-elb', type: 'elb' },
  { folder: 'gcp-lb', type: 'gcp-lb' },
  { folder: 'haproxy', type: 'haproxy' },
  { folder: 'cloudflare', type: 'cloudflare' },
] as const;

for (const c of CASES) {
  test(`detect_${c.type}_from_its_documented_lines`, () => {
    assert.equal(detectSource(recordLines(c.folder)).type, c.type);
  });
}

test('alb_gz_object_as_s3_delivers_it_is_ingested_with_provenance', async (t) => {
  const dir = tempDir(t);
  const lines = recordLines('aws-alb');
  const path = join(dir, '123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2225Z_10.0.0.1_2kd4jvgz.log.gz');
  writeFileSync(path, gzipSync(Buffer.from(lines.join('\n') + '\n')));
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [path]);
  assert.equal(r.files[0]!.type, 'alb');
  assert.equal(r.files[0]!.records, lines.length);
  assert.equal(r.files[0]!.rejected, 0);
  const rows = db.prepare('SELECT kind, line_no, pattern, status, target_ms, trace_id FROM lb_access ORDER BY line_no').all() as { kind: string; line_no: number; pattern: string; status: number; target_ms: number | null; trace_id: string }[];
  assert.deepEqual(rows.map((x) => x.line_no), lines.map((_, i) => i + 1));
  assert.ok(rows.every((x) => x.kind === 'alb' && x.pattern.startsWith('alb/')));
  assert.deepEqual(rows.filter((x) => x.status === 504).map((x) => x.target_ms), [null]);
  assert.ok(rows[0]!.trace_id.startsWith('Root=1-'));
  db.close();
});

test('haproxy_syslog_file_needs_a_zone_and_rejects_loudly', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'haproxy.log');
  const lines = readExamples('haproxy').examples.map((e) => e.line);
  writeFileSync(path, lines.join('\n') + '\n');
  const db = openStore(join(dir, 'd.db'));
  const r = await ingestPaths(db, [path], { tz: 'UTC' });
  const ex = readExamples('haproxy').examples;
  assert.equal(r.files[0]!.type, 'haproxy');
  assert.equal(r.files[0]!.records, ex.filter((e) => e.expect.kind === 'record').length);
  assert.equal(r.files[0]!.rejected, ex.filter((e) => e.expect.kind === 'reject').length);
  const reasons = (db.prepare('SELECT reason FROM rejects').all() as { reason: string }[]).map((x) => x.reason);
  assert.ok(reasons.some((x) => x.includes('option tcplog')));
  db.close();
});

test('nginx_combined_lines_are_not_taken_for_a_load_balancer', () => {
  const d = detectSource(['127.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"']);
  assert.equal(d.type, 'nginx-access');
});
