/**
 * The ingest alone, through the library (`ingestPaths`), without the correlation that
 * `droptrace ingest` runs after it: the benchmark's "library" rows, and a target for --cpu-prof.
 * Usage: node dist/test/bench/ingest-only.js <db> <log_format|-> <type|auto> <files...>
 */
import { openStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import type { SourceType } from '../../src/ingest/detect.js';

const [db, format, type, ...files] = process.argv.slice(2);
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  // picked up by `node --test dist/test/` (every file under a directory named test): not a test
} else if (!db || !format || !type || files.length === 0) {
  process.stderr.write('usage: ingest-only <db> <log_format|-> <type|auto> <files...>\n');
  process.exitCode = 2;
} else {
  const store = openStore(db);
  try {
    const r = await ingestPaths(store, files, {
      type: type as SourceType | 'auto',
      tz: 'UTC',
      logFormat: format === '-' ? null : format,
    });
    for (const f of r.files) process.stdout.write(`${f.path}\t${f.type}\t${f.lines}\t${f.records}\t${f.rejected}\t${f.error ?? ''}\n`);
    if (r.problems.length > 0) process.exitCode = 1;
  } finally {
    store.close();
  }
}
