/**
 * `droptrace export --dataset DIR`: each shard's owned requests, incidents and inputs, and its audited
 * chain, as Parquet in a Hive layout (src/store/sql/dataset.ts), one file per table, date and shard.
 * Re-exporting a shard replaces its files (commit.ts), so an export is idempotent and a killed one is
 * completed by running it again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, openStore, type Db } from '../store/open.js';
import { correlateStoreIfPending, hasPendingCorrelation } from '../correlate/pending-correlation.js';
import { toRecord } from '../lookup/requests.js';
import {
  EXPORT_REQUESTS, ALL_REQUESTS, EXPORT_INCIDENTS, EXPORT_FILES, EXPORT_ACCESS_CAPABILITIES, EXPORT_ERROR_CAPABILITIES,
  EXPORT_APP_CAPABILITIES, EXPORT_SERVER_CAPABILITIES, SELECT_SERVER_LOG_SOURCE, EXPORT_CHAIN, type ExportFileRow, type ExportIncidentRow,
} from '../store/sql/export.js';
import { SELECT_LAST_RUN_SKEWS } from '../store/sql/correlation.js';
import { DATASET_TABLES, createStageTable, selectStageDates, copyStageDate, type DatasetTable } from '../store/sql/dataset.js';
import { appendRows, inColumnOrder, openDuck, type Duck } from './duck.js';
import { checkRawColumns, requestColumnReaders, type ExportRequestRow } from './request-columns.js';
import { commitShardFiles, partName, removeStaleTemps, tempDirFor } from './commit.js';
import { ownedRange } from '../shard/window.js';
import type { ShardRecord } from '../shard/shard-file.js';
import { namesWorkerDeath, readAttemptOutcomes, writeAttemptOutcomes, type AttemptOutcomeJson } from '../store/attempts.js';
import { checkVerdict, type WithStoredVerdict } from '../domain/verdicts.js';

export interface ShardExport {
  readonly key: string;
  readonly requests: number;
  readonly incidents: number;
  readonly inputs: number;
  /** the settings of the audited chain snapshots the shard holds */
  readonly chain: number;
  /** the dataset's files of this shard, relative to DIR */
  readonly files: string[];
  /** a warning when the shard's verdicts could not be brought up to date first */
  readonly stale: string | null;
}

export interface ExportOptions {
  /** called after each stage (tests use it to kill an export midway) */
  readonly onStage?: (key: string, stage: string) => void;
  /** DuckDB's memory_limit (duck.ts) */
  readonly memoryLimit?: string;
}

type Params = { from: number; to: number };

/**
 * Each attempt's worker death (a shard-local server_log id) gets its file:line beside the id
 * (`worker_event_source`), so a fleet can find the death whichever shard owns it.
 */
function withDeathSources(source: ReturnType<Db['prepare']>, attempts: string | null): string | null {
  const list = namesWorkerDeath(attempts) ? readAttemptOutcomes(attempts) : null;
  if (list === null) return attempts;
  return writeAttemptOutcomes(list.map((a) => (a.worker_event_id == null ? a : { ...a, worker_event_source: (source.get(a.worker_event_id) as AttemptOutcomeJson['worker_event_source']) ?? null })));
}

/** The shard's requests as rows of REQUEST_COLUMNS (request-columns.ts), in end order (exported for test/bench/export-stages.ts). */
export function* requestRows(db: Db, shard: string, p: Params): Generator<unknown[]> {
  const readers = requestColumnReaders();
  // compiled once per shard, not once per request whose attempts name a death
  const deathSource = db.prepare(SELECT_SERVER_LOG_SOURCE);
  let first = true;
  for (const raw of db.prepare(EXPORT_REQUESTS).iterate({ ...p, ...ALL_REQUESTS }) as IterableIterator<WithStoredVerdict<ExportRequestRow>>) {
    const r = checkVerdict(raw);
    if (first) checkRawColumns(r);
    first = false;
    const rec = toRecord(r);
    const derived = { shard, attemptOutcomes: withDeathSources(deathSource, r.attempt_outcomes) };
    const row = new Array<unknown>(readers.length);
    for (let j = 0; j < readers.length; j++) row[j] = readers[j]!(r, rec, derived);
    yield row;
  }
}

function inputRows(db: Db, rec: ShardRecord, p: Params): Record<string, unknown>[] {
  const byFile = new Map<number, Record<string, unknown>>();
  for (const f of db.prepare(EXPORT_FILES).all() as ExportFileRow[]) {
    byFile.set(f.id, {
      shard: rec.key, file_id: f.id, path: f.path, host: f.host, type: f.type, format: f.format, tz: f.tz,
      records: f.records, rejected: f.rejected,
    });
  }
  for (const sql of [EXPORT_ACCESS_CAPABILITIES, EXPORT_ERROR_CAPABILITIES, EXPORT_APP_CAPABILITIES, EXPORT_SERVER_CAPABILITIES]) {
    for (const row of db.prepare(sql).all(p) as { file_id: number }[]) Object.assign(byFile.get(row.file_id) ?? {}, row);
  }
  const skews = db.prepare(SELECT_LAST_RUN_SKEWS).get() as { app_skew_ms: number | null; error_skew_ms: number | null } | undefined;
  const now = Date.now();
  return [...byFile.values()].map((r) => ({
    access_n: 0, access_with_time: 0, access_with_upstream: 0, access_with_request_id: 0, error_n: 0, error_info: 0,
    app_n: 0, app_with_pid: 0, app_with_request_id: 0, app_every_request: 0, server_n: 0, server_gunicorn: 0,
    ...r,
    window_from_ms: rec.window?.fromMs ?? null, window_to_ms: rec.window?.toMs ?? null, overlap_ms: rec.window?.overlapMs ?? null,
    app_skew_ms: skews?.app_skew_ms ?? null, error_skew_ms: skews?.error_skew_ms ?? null, exported_ms: now,
  }));
}

/** Stages one table's rows (arrays in its columns' order) in DuckDB and writes them under `tmp`, one file per date. */
async function writeTable(conn: Duck, table: DatasetTable, rows: Iterable<readonly unknown[]>, tmp: string, rec: ShardRecord, fallbackDate: string): Promise<{ n: number; files: string[] }> {
  await conn.run(createStageTable(table, true));
  const n = await appendRows(conn, `stage_${table}`, DATASET_TABLES[table], rows, 'main', 'temp');
  const files: string[] = [];
  if (n === 0) return { n, files };
  const dates = (await conn.runAndReadAll(selectStageDates(table))).getRows().map((r) => String(r[0]));
  for (const date of dates) {
    const dir = join(tmp, `table=${table}`, `date=${date === 'unknown' ? fallbackDate : date}`, `stack=${rec.stack}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, partName(rec.key));
    await conn.run(copyStageDate(table, date, file, table === 'requests'));
    files.push(file);
  }
  return { n, files };
}

export async function exportShard(conn: Duck, rec: ShardRecord, dataset: string, opts: ExportOptions = {}): Promise<ShardExport> {
  const stage = (s: string) => opts.onStage?.(rec.key, s);
  // The export's own read-only connection tells whether anything is pending: a correlated shard (an
  // `analyze` that just correlated it) is opened once, not again to find nothing to do.
  let db = openStore(rec.db, { readonly: true });
  let stale: ShardExport['stale'] = null;
  if (hasPendingCorrelation(db)) {
    closeStore(db);
    stale = correlateStoreIfPending(rec.db).stale;
    db = openStore(rec.db, { readonly: true });
  }
  try {
    removeStaleTemps(dataset, rec.key);
    const tmp = tempDirFor(dataset, rec.key);
    mkdirSync(tmp, { recursive: true });
    const p = ownedRange(rec.window);
    const req = await writeTable(conn, 'requests', requestRows(db, rec.key, p), tmp, rec, 'unknown');
    stage('requests');
    const inc = await writeTable(conn, 'incidents', inColumnOrder(DATASET_TABLES.incidents, (db.prepare(EXPORT_INCIDENTS).all(p) as ExportIncidentRow[]).map((r) => ({ ...r, shard: rec.key }))), tmp, rec, 'unknown');
    stage('incidents');
    // the inputs' date: the window's, else the day of the shard's first request
    const firstDay = rec.window !== null ? null : req.files.map((f) => /date=([^/]+)/.exec(f)?.[1]).filter(Boolean).sort()[0] ?? null;
    const inp = await writeTable(conn, 'inputs', inColumnOrder(DATASET_TABLES.inputs, inputRows(db, rec, p)), tmp, rec, firstDay ?? 'unknown');
    stage('inputs');
    const chain = await writeTable(conn, 'chain', inColumnOrder(DATASET_TABLES.chain, (db.prepare(EXPORT_CHAIN).all() as Record<string, unknown>[]).map((r) => ({ ...r, shard: rec.key }))), tmp, rec, 'unknown');
    stage('chain');
    const written = [...req.files, ...inc.files, ...inp.files, ...chain.files];
    commitShardFiles(dataset, tmp, written, rec.stack, rec.key);
    stage('committed');
    return {
      key: rec.key, requests: req.n, incidents: inc.n, inputs: inp.n, chain: chain.n, stale,
      files: written.map((f) => f.slice(tmp.length + 1)),
    };
  } finally {
    closeStore(db);
  }
}

/** Exports every shard in turn into `dataset` (created if missing). */
export async function exportShards(shards: readonly ShardRecord[], dataset: string, opts: ExportOptions = {}): Promise<ShardExport[]> {
  mkdirSync(dataset, { recursive: true });
  // one thread: the requests are written in the order they are read, with no sort (copyStageDate)
  const duck = await openDuck({ threads: 1, memoryLimit: opts.memoryLimit });
  try {
    const out: ShardExport[] = [];
    for (const s of shards) out.push(await exportShard(duck.conn, s, dataset, opts));
    return out;
  } finally {
    duck.close();
  }
}
