/**
 * Golden files for each format on the recorded samples (samples/<profile>): ingest, correlate and
 * report as the quick start does, with the report's own time pinned and the log paths relative to
 * the repository, so a change in any layer that changes what a user reads shows up here.
 */
import { test } from 'node:test';
import { join, relative } from 'node:path';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers.js';
import { checkGolden } from './golden-file.js';
import { ingestRecording, recordingProfile } from '../accuracy/accuracy.js';
import { openStore } from '../../src/store/open.js';
import { buildReportModel, renderReport, type ReportFormat } from '../../src/report/index.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);
const EXT: Record<ReportFormat, string> = { text: 'txt', json: 'json', markdown: 'md', html: 'html' };

for (const name of ['combined', 'timing', 'json', 'zone']) {
  test(`golden: every format of the report on samples/${name}`, async () => {
    // Paths as a user in the repository would type them: the report cites them.
    process.chdir(repoRoot());
    const dir = join('samples', name);
    const profile = recordingProfile(join(repoRoot(), dir));
    const logs = readdirSync(join(dir, 'logs')).sort().map((f) => relative(process.cwd(), join(dir, 'logs', f)));
    const tmp = mkdtempSync(join(tmpdir(), 'droptrace-golden-'));
    const db = openStore(join(tmp, 'g.db'));
    try {
      await ingestRecording(db, profile, logs);
      const { model } = buildReportModel(db, { nowMs: NOW });
      for (const format of ['text', 'json', 'markdown', 'html'] as const) {
        checkGolden(join('samples', `${name}.${EXT[format]}`), renderReport(model, format, { zone: 'UTC' }));
      }
    } finally {
      db.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
