/**
 * samples/lb, the LB harness's recording (HAProxy → nginx): droptrace's verdicts against its truth,
 * held strictly (every verdict, every request only HAProxy logged present), the report's text as a
 * golden file, and the README's excerpt a piece of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers.js';
import { checkGolden } from '../report/golden-file.js';
import { measureLbRecording } from '../harness/lb/accuracy.js';
import { NGINX_LB_FORMAT } from '../harness/lb/confs.js';
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { correlate } from '../../src/correlate/correlate.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

test('samples/lb: every verdict right and every request only HAProxy logged present', async () => {
  process.chdir(repoRoot());
  const f = await measureLbRecording(join('samples', 'lb'));
  assert.equal(f.labelled, f.truth, 'every request of the sample has a truth label');
  assert.deepEqual(f.wrong, []);
  assert.equal(f.correct, f.labelled);
  assert.ok(f.lbOnlyTotal >= 4 && f.lbOnlyPresent === f.lbOnlyTotal, `${f.lbOnlyPresent}/${f.lbOnlyTotal}`);
  for (const label of ['ok', 'lb_timeout', 'client_abort', 'lb_unavailable', 'lb_upstream_error']) assert.ok((f.byLabel[label]?.n ?? 0) > 0, label);
});

test('golden: the text report on samples/lb, and the README excerpt is a piece of it', async () => {
  process.chdir(repoRoot());
  const dir = join('samples', 'lb');
  const logs = readdirSync(join(dir, 'logs')).sort().map((f) => relative(process.cwd(), join(dir, 'logs', f)));
  const tmp = mkdtempSync(join(tmpdir(), 'droptrace-golden-lb-'));
  const db = openStore(join(tmp, 'g.db'));
  try {
    await ingestPaths(db, logs, { tz: 'UTC', logFormat: NGINX_LB_FORMAT });
    correlate(db);
    const { model } = buildReportModel(db, { nowMs: NOW });
    const text = renderReport(model, 'text', { zone: 'UTC' });
    checkGolden(join('samples', 'lb.txt'), text);
    const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
    const a = readme.indexOf('<!-- lb-excerpt:start -->');
    const b = readme.indexOf('<!-- lb-excerpt:end -->');
    assert.ok(a >= 0 && b > a, 'README needs the lb excerpt markers');
    const excerpt = readme.slice(a + '<!-- lb-excerpt:start -->'.length, b).trim().replace(/^```\n/, '').replace(/\n```$/, '');
    assert.ok(excerpt.split('\n').length > 10);
    for (const piece of excerpt.split('\n...\n')) assert.ok(text.includes(piece), `the README's lb excerpt differs from the golden report:\n${piece}`);
  } finally {
    db.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
