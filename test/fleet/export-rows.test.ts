/**
 * The dataset's rows against their sources, column by column: each requests row's contract columns
 * against the `requests` command's NDJSON for the same database (nested values as their JSON text),
 * its raw columns against the export query's own row in SQLite, each attempt's worker death against
 * its server_log line; the incidents against their SQLite rows; the inputs against the files table.
 * The export builds rows as arrays in column order and appends them, committing every 8,192
 * (src/export/request-columns.ts, duck.ts): a column wired to the wrong source, or a row a commit
 * lost, fails here. Run on a generated stack (deaths, error lines, a commit and a short last batch)
 * and on samples/lb (requests only the load balancer logged, the lb_* columns).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { readdirSync } from 'node:fs';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';
import { queryDataset } from '../../src/fleet/dataset.js';
import { openStore, closeStore } from '../../src/store/open.js';
import { ingestPaths } from '../../src/ingest/ingest.js';
import { correlate } from '../../src/correlate/correlate.js';
import { exportShards } from '../../src/export/export.js';
import { listShards } from '../../src/shard/shard-file.js';
import { EXPORT_REQUESTS, EXPORT_INCIDENTS, EXPORT_FILES, ALL_REQUESTS } from '../../src/store/sql/export.js';
import { INCIDENT_COLUMNS, REQUEST_COLUMNS } from '../../src/store/sql/dataset.js';
import { NGINX_LB_FORMAT } from '../harness/lb/confs.js';

type Row = Record<string, unknown>;
const EVERYTHING = { from: -8.64e15, to: 8.64e15 };

/** The contract's NDJSON for the database, one record per line, as `droptrace requests` prints it. */
async function contractRecords(db: string): Promise<Row[]> {
  const r = await runCliCaptured(['requests', '--db', db, '--format', 'ndjson']);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
}

/** attempt_outcomes without the deaths' file:line the export adds, and those sources by worker_event_id. */
function splitDeathSources(json: unknown): { attempts: unknown; sources: [number, unknown][] } {
  if (typeof json !== 'string') return { attempts: json, sources: [] };
  const list = JSON.parse(json) as Row[];
  const sources: [number, unknown][] = [];
  const attempts = list.map(({ worker_event_source, ...a }) => {
    if (worker_event_source !== undefined) sources.push([a.worker_event_id as number, worker_event_source]);
    return a;
  });
  return { attempts, sources };
}

async function checkDataset(dbPath: string, dataset: string): Promise<{ requests: number; deaths: number; lbOnly: number; errorLines: number }> {
  const [shard] = listShards(dbPath);
  const exported = (await queryDataset(dataset, 'SELECT * EXCLUDE (end_ts, date, stack, "table") FROM requests ORDER BY end_ms, id')).rows;
  const records = await contractRecords(dbPath);
  const db = openStore(dbPath, { readonly: true });
  try {
    const raw = db.prepare(EXPORT_REQUESTS).all({ ...EVERYTHING, ...ALL_REQUESTS }) as Row[];
    const deathSource = db.prepare('SELECT f.path AS file, s.line_no AS line FROM server_log s JOIN files f ON f.id = s.file_id WHERE s.id = ?');
    assert.equal(exported.length, records.length, 'one dataset row per record of the contract');
    assert.equal(raw.length, records.length);
    const contractFields = Object.keys(records[0]!);
    const rawColumns = REQUEST_COLUMNS.map((c) => c.name).filter((n) => !contractFields.includes(n));
    let deaths = 0;
    for (const [i, row] of exported.entries()) {
      const rec = records[i]!;
      const r = raw[i]!;
      for (const f of contractFields) {
        const v = rec[f];
        assert.deepEqual(row[f], v !== null && typeof v === 'object' ? JSON.stringify(v) : v, `request ${rec.id}: contract field ${f}`);
      }
      for (const c of rawColumns) {
        if (c === 'shard') assert.equal(row[c], shard!.key);
        else if (c === 'evidence_json') assert.equal(row[c], r.evidence, `request ${rec.id}: evidence_json`);
        else if (c === 'attempt_outcomes') {
          const { attempts, sources } = splitDeathSources(row[c]);
          assert.deepEqual(attempts, r.attempt_outcomes === null ? null : JSON.parse(r.attempt_outcomes as string), `request ${rec.id}: attempt_outcomes`);
          for (const [id, source] of sources) assert.deepEqual(source, deathSource.get(id) ?? null, `request ${rec.id}: the death ${id}'s file:line`);
          deaths += sources.length;
        } else assert.equal(row[c], r[c], `request ${rec.id}: raw column ${c}`);
      }
    }

    const incidents = (await queryDataset(dataset, 'SELECT * EXCLUDE (time, date, stack, "table") FROM incidents ORDER BY layer, id')).rows;
    const sourceIncidents = (db.prepare(EXPORT_INCIDENTS).all(EVERYTHING) as Row[])
      .sort((a, b) => String(a.layer).localeCompare(String(b.layer)) || (a.id as number) - (b.id as number));
    assert.deepEqual(incidents, sourceIncidents.map((r) => Object.fromEntries(INCIDENT_COLUMNS.map((c) => [c.name, c.name === 'shard' ? shard!.key : r[c.name]]))));

    const inputs = (await queryDataset(dataset, 'SELECT file_id AS id, path, host, type, format, tz, records, rejected FROM inputs ORDER BY file_id')).rows;
    assert.deepEqual(inputs, db.prepare(EXPORT_FILES).all());
    return {
      requests: exported.length, deaths, lbOnly: exported.filter((r) => (r.id as number) < 0).length,
      errorLines: exported.filter((r) => r.error_log !== '[]').length,
    };
  } finally {
    closeStore(db);
  }
}

test('export --dataset: every requests column equals the requests NDJSON or its SQLite source, across the appender\'s commits (a generated stack with deaths and error lines)', async (t) => {
  const dir = tempDir(t);
  // 9,000 requests: the appender commits after 8,192 rows, then a short last batch
  const [stack] = await generateStacks(join(dir, 'logs'), ['web-01'], 9000, { seed: 21 });
  const db = join(dir, 'web-01.db');
  const r = await runCliCaptured(['ingest', stack!.dir, '--db', db, '--tz', 'UTC', '--log-format', TIMING_FORMAT, '--correlate']);
  assert.equal(r.exitCode, 0, r.stderr);
  const dataset = join(dir, 'dataset');
  await exportShards(listShards(db), dataset);
  const seen = await checkDataset(db, dataset);
  assert.equal(seen.requests, 9000);
  assert.ok(seen.deaths > 0, 'some attempts name a worker death');
  assert.ok(seen.errorLines > 0, 'some requests carry error lines');
});

test('export --dataset: the same on samples/lb, whose requests only the load balancer logged have no nginx line', async (t) => {
  const dir = tempDir(t);
  const sample = join(repoRoot(), 'samples', 'lb', 'logs');
  const dbPath = join(dir, 'lb.db');
  const db = openStore(dbPath);
  try {
    await ingestPaths(db, readdirSync(sample).sort().map((f) => relative(process.cwd(), join(sample, f))), { tz: 'UTC', logFormat: NGINX_LB_FORMAT });
    correlate(db);
  } finally {
    closeStore(db);
  }
  const dataset = join(dir, 'dataset');
  await exportShards(listShards(dbPath), dataset);
  const seen = await checkDataset(dbPath, dataset);
  assert.ok(seen.lbOnly > 0, 'some requests only the load balancer logged');
});
