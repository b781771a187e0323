/**
 * Golden files for the `requests` NDJSON output, a contract (fields are only added, never renamed):
 * samples/timing, whose attempts carry retries and the worker deaths that ended them, and
 * samples/combined, whose whole-second times are estimated within their second, ingested and
 * correlated as the quick start does, with the log paths relative to the repository. A change in any
 * layer that changes one byte a script reads shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { checkGolden } from './golden-file.js';
import { ingestRecording, recordingProfile } from '../accuracy/accuracy.js';
import { openStore } from '../../src/store/open.js';

for (const name of ['timing', 'combined']) {
  test(`golden: requests --format ndjson on samples/${name}`, async (t) => {
    // Paths as a user in the repository would type them: every request cites its file.
    process.chdir(repoRoot());
    const dir = join('samples', name);
    const db = join(tempDir(t), 'g.db');
    const store = openStore(db);
    try {
      await ingestRecording(store, recordingProfile(join(repoRoot(), dir)), readdirSync(join(dir, 'logs')).sort().map((f) => join(dir, 'logs', f)));
    } finally {
      store.close();
    }
    const r = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
    assert.equal(r.exitCode, 0, r.stderr);
    checkGolden(join('requests', `${name}.ndjson`), r.stdout);
  });
}
