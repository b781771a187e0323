/**
 * A correlation optimisation must not change a single verdict: this dumps `request_verdicts` of a
 * correlated database as text, one request per line, so two runs diff cleanly. Prints the sha1 of
 * the verdict columns and of every column (the JSON evidence and explanations included).
 *
 *   node dist/test/bench/verdicts-dump.js <db> [out.tsv]     # out.tsv: the verdict columns, for diff
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import Database from 'better-sqlite3';

const VERDICT_COLUMNS = 'access_id, verdict, silent, wasted_work, retried, stalled, keepalive_race, app_id, worker_event_id, stalled_by';

async function main(): Promise<void> {
  const [dbPath, outPath] = process.argv.slice(2);
  if (!dbPath) throw new Error('usage: verdicts-dump.js <db> [out.tsv]');
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const verdicts = createHash('sha1');
  const all = createHash('sha1');
  const out = outPath ? createWriteStream(outPath) : null;
  let n = 0;
  for (const r of db.prepare(`SELECT ${VERDICT_COLUMNS} FROM request_verdicts ORDER BY access_id`).raw(true).iterate() as IterableIterator<unknown[]>) {
    const line = r.map((v) => (v === null ? '\\N' : String(v))).join('\t') + '\n';
    verdicts.update(line);
    if (out && !out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    n++;
  }
  for (const r of db.prepare('SELECT * FROM request_verdicts ORDER BY access_id').raw(true).iterate() as IterableIterator<unknown[]>) {
    all.update(r.map((v) => (v === null ? '\\N' : String(v))).join('\t') + '\n');
  }
  if (out) await new Promise<void>((resolve) => out.end(() => resolve()));
  db.close();
  process.stdout.write(`${n} verdicts\nverdict columns sha1 ${verdicts.digest('hex')}\nall columns sha1     ${all.digest('hex')}\n`);
}

// `node --test dist/test/` runs every file under a directory named test: a dump script is no test.
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  process.stdout.write('# verdicts-dump.js is a tool, not a test\n');
} else main().catch((err: unknown) => {
  process.stderr.write(`verdicts-dump: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
