/**
 * The HTML report in a real headless Chromium: the charts render (svg with bars), and nothing from
 * log content runs — the fixture's hostile URI would create an element and its query would set
 * document.title. Skipped, with a message, when chromium is not installed. Saves the screenshot to
 * docs/report-screenshot.png (DROPTRACE_SCREENSHOT=0 to leave it alone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir } from '../helpers.js';
import { buildFixtureDb, T0 } from './fixture.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

function chromium(args: string[], profile: string): string {
  return execFileSync(CHROMIUM!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', `--user-data-dir=${profile}`, ...args,
  ], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
}

test('html report in headless chromium: charts render, log content never runs', { skip: CHROMIUM ? false : 'chromium not installed (apt-get install chromium): skipping the browser test' }, (t) => {
  const dir = tempDir(t);
  const { db } = buildFixtureDb(dir);
  let html: string;
  try {
    const { model } = buildReportModel(db, { nowMs: Date.UTC(2024, 4, 2, 3, 0, 0), fromMs: T0, toMs: T0 + 600_000 });
    html = renderReport(model, 'html', { zone: 'UTC' });
  } finally {
    db.close();
  }
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;

  const dom = chromium(['--dump-dom', url], join(dir, 'profile-dom'));
  assert.match(dom, /<svg class="chart"/);
  const bars = (dom.match(/<rect class="bar"/g) ?? []).length;
  assert.ok(bars > 20, `expected the charts' bars in the DOM, found ${bars}`);
  assert.match(dom, /class="marker"/, 'the fingerprint markers are drawn');
  assert.doesNotMatch(dom, /<title>pwned<\/title>/, 'the hostile onerror did not set document.title');
  assert.doesNotMatch(dom, /<script/i, 'no script element from log content');
  assert.doesNotMatch(dom, /<img/i, 'no img element from log content');
  assert.match(dom, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the payload is shown as text');
  assert.match(dom, /<title>droptrace report/);

  const png = join(dir, 'shot.png');
  chromium([`--screenshot=${png}`, '--window-size=1280,2000', url], join(dir, 'profile-shot'));
  assert.ok(existsSync(png), 'chromium wrote the screenshot');
  if (process.env['DROPTRACE_SCREENSHOT'] !== '0') copyFileSync(png, join(repoRoot(), 'docs', 'report-screenshot.png'));
});
