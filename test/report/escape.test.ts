/** Hostile log content in every format: a URI carrying markup, a user agent carrying terminal escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers.js';
import { buildFixtureDb, HOSTILE_UA } from './fixture.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';
import { esc } from '../../src/report/svg.js';
import { mdCode } from '../../src/report/render-markdown.js';

function model(t: { after: (fn: () => void) => void }) {
  const { db } = buildFixtureDb(tempDir(t));
  try {
    return buildReportModel(db, { nowMs: 0 }).model;
  } finally {
    db.close();
  }
}

test('html: a URI with <script> is shown escaped and never as markup', (t) => {
  const html = renderReport(model(t), 'html', { zone: 'UTC' });
  assert.equal((html.match(/<script/gi) ?? []).length, 0);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('html: a user agent with ESC/OSC sequences is stripped of them, then escaped', (t) => {
  const m = model(t);
  const aborts = m.fingerprints.find((f) => f.verdict === 'client_abort')!;
  assert.ok(aborts.clusters[0]!.user_agents.some((u) => u.agent === HOSTILE_UA), 'the model keeps the raw value');
  const html = renderReport(m, 'html', { zone: 'UTC' });
  assert.equal(html.includes('\u001b'), false);
  assert.equal(html.includes('\u0007'), false);
  assert.match(html, /curl\/8\.0 RED/);
});

test('text: no escape sequence from log content reaches the terminal', (t) => {
  const text = renderReport(model(t), 'text', { zone: 'UTC', color: false });
  assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), false);
  assert.match(text, /curl\/8\.0 RED/);
});

test('markdown: markup stays inside code spans; control characters go', (t) => {
  const md = renderReport(model(t), 'markdown', { zone: 'UTC' });
  assert.match(md, /`GET \/<script>alert\(1\)<\/script>`/);
  assert.equal(md.includes('\u001b'), false);
  assert.equal(mdCode('a`b'), '`` a`b ``');
  assert.equal(mdCode('x|y'), '`x\\|y`');
});

test('esc: the five HTML specials', () => {
  assert.equal(esc(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
