/** The ALB incident (alb-incident.ts) written as the files a user has and ingested into a fresh store. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore, type Db } from '../../src/store/open.js';
import type { IngestResult } from '../../src/ingest/ingest.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { tempDir } from '../helpers.js';
import { buildAlbIncident, TIMING_FORMAT, type AlbIncident } from './alb-incident.js';

export async function incidentDb(t: { after: (fn: () => void) => void }): Promise<{ dir: string; db: Db; inc: AlbIncident; r: IngestResult }> {
  const dir = tempDir(t);
  const inc = buildAlbIncident();
  writeFileSync(join(dir, 'access.log'), inc.accessLog.join('\n') + '\n');
  writeFileSync(join(dir, '123456789012_elasticloadbalancing_eu-west-1_app.shop.50dc6c495c0c9188_20261201T1005Z_10.0.0.1_x.log.gz'), gzipSync(inc.albLog.join('\n') + '\n'));
  const db = openStore(join(dir, 'd.db'));
  t.after(() => db.close());
  const r = await ingestPaths(db, [dir], { tz: 'UTC', logFormat: TIMING_FORMAT });
  return { dir, db, inc, r };
}
