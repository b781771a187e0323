/**
 * `npm run accuracy -- <recording dir>...`: prints droptrace's accuracy against the harness's truth.
 * Each recording is measured with every log, and for the text-only profiles also without app NDJSON.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { measureRecording, renderFigures } from './accuracy.js';
import { measureLbRecording, renderLbFigures } from '../harness/lb/accuracy.js';
import { repoRoot } from '../helpers.js';

const args = process.argv.slice(2);
const dirs = args.length > 0 ? args : readdirSync(join(repoRoot(), 'samples'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(repoRoot(), 'samples', d.name, 'truth')))
  .map((d) => join('samples', d.name));
/** The LB harness's recordings (samples/lb) have their own truth and measure. */
const isLb = (dir: string): boolean => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'conf', 'stack.json'), 'utf8')) as { profile?: string }).profile === 'lb';
  } catch {
    return false;
  }
};
for (const dir of dirs) {
  process.stdout.write(isLb(dir) ? `${dir}\n${renderLbFigures(await measureLbRecording(dir))}` : renderFigures(await measureRecording(dir, 'all-logs')));
}
