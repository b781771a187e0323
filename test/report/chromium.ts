/**
 * Headless Chromium over the fixture's HTML report: shared by the browser test (which screenshots into
 * a temp dir) and `npm run screenshot` (which refreshes docs/report-screenshot.png on purpose).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFixtureDb, T0 } from './fixture.js';
import { buildReportModel, renderReport } from '../../src/report/index.js';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

export function chromium(args: string[], profile: string): string {
  if (!CHROMIUM) throw new Error('chromium not installed (apt-get install chromium)');
  return execFileSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', `--user-data-dir=${profile}`, ...args,
  ], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
}

/** Writes the fixture database and its HTML report into `dir`; returns the report's file: URL. */
export function writeFixtureReport(dir: string): string {
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
  return pathToFileURL(file).href;
}

/** Screenshots the report at `url` into `png` (1280×2000, the size the README shows). */
export function screenshot(url: string, png: string, profile: string): void {
  chromium([`--screenshot=${png}`, '--window-size=1280,2000', url], profile);
}
