/**
 * `npm run screenshot`: refreshes docs/report-screenshot.png from the fixture's HTML report in headless
 * Chromium. The only writer of that picture: `npm test` screenshots into a temp dir and leaves the repo alone.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';
import { CHROMIUM, screenshot, writeFixtureReport } from './chromium.js';

if (!CHROMIUM) {
  process.stderr.write('chromium not installed (apt-get install chromium): docs/report-screenshot.png left as it is\n');
  process.exitCode = 1;
} else {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-screenshot-'));
  try {
    const png = join(dir, 'shot.png');
    screenshot(writeFixtureReport(dir), png, join(dir, 'profile'));
    if (!existsSync(png)) throw new Error('chromium wrote no screenshot');
    const target = join(repoRoot(), 'docs', 'report-screenshot.png');
    copyFileSync(png, target);
    process.stdout.write(`wrote ${target}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
