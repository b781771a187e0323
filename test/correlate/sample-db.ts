/** A recording from samples/ in a new database, for tests that correlate real logs. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Db } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { profileAccessFormat, recordingProfile } from '../accuracy/accuracy.js';
import { repoRoot, tempDir } from '../helpers.js';

/** A recording from samples/, ingested (not correlated) into a new database. */
export async function ingestedSample(t: { after: (fn: () => void) => void }, name: string): Promise<Db> {
  const dir = join(repoRoot(), 'samples', name);
  const profile = recordingProfile(dir);
  const db = openStore(join(tempDir(t), 'sample.db'));
  t.after(() => db.close());
  await ingestPaths(db, readdirSync(join(dir, 'logs')).map((f) => join(dir, 'logs', f)), {
    tz: profile.tz,
    logFormat: profileAccessFormat(profile),
  });
  return db;
}
