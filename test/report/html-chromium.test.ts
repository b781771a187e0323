/**
 * The HTML report in a real headless Chromium: the charts render (svg with bars), and nothing from
 * log content runs — the fixture's hostile URI would create an element and its query would set
 * document.title. Skipped, with a message, when chromium is not installed. Screenshots into its temp
 * dir only: `npm run screenshot` (test/report/screenshot.ts) refreshes docs/report-screenshot.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { CHROMIUM, chromium, screenshot, writeFixtureReport } from './chromium.js';

test('html report in headless chromium: charts render, log content never runs', { skip: CHROMIUM ? false : 'chromium not installed (apt-get install chromium): skipping the browser test' }, (t) => {
  const dir = tempDir(t);
  const url = writeFixtureReport(dir);

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
  screenshot(url, png, join(dir, 'profile-shot'));
  assert.ok(existsSync(png), 'chromium wrote the screenshot');
});
