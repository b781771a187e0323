/**
 * A dataset opened for reading: an in-memory DuckDB with one view per table (requests, incidents,
 * inputs, chain) over the dataset's Parquet files, `date` and `stack` read from the Hive path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { duckModule, openDuck, plain, type Duck } from '../export/duck.js';
import { DATASET_TABLES, createDatasetView, createStageTable, type DatasetTable } from '../store/sql/dataset.js';
import { QueryError } from '../domain/errors.js';
import { StoreError } from '../store/open.js';

export interface OpenDataset {
  readonly conn: Duck;
  close(): void;
}

/** Whether any Parquet file of `table` exists under table=<table>/date=*\/stack=*\/. */
function hasFiles(dir: string, table: DatasetTable): boolean {
  const t = join(dir, `table=${table}`);
  if (!existsSync(t)) return false;
  return readdirSync(t).some((d) => readdirSync(join(t, d)).some((s) => readdirSync(join(t, d, s)).some((f) => f.endsWith('.parquet'))));
}

export interface DatasetOptions {
  /** DuckDB's memory_limit (duck.ts) */
  readonly memoryLimit?: string;
}

export async function openDataset(dir: string, opts: DatasetOptions = {}): Promise<OpenDataset> {
  if (!existsSync(dir)) throw new StoreError(`no dataset at ${dir}: write one with droptrace export --dataset ${dir}`, 'open-failed');
  const duck = await openDuck({ memoryLimit: opts.memoryLimit });
  try {
    for (const table of Object.keys(DATASET_TABLES) as DatasetTable[]) {
      const present = hasFiles(dir, table);
      if (!present) await duck.conn.run(createStageTable(table));
      await duck.conn.run(createDatasetView(table, present ? join(dir, `table=${table}`, '*', '*', '*.parquet') : null));
    }
  } catch (err) {
    duck.close();
    throw err;
  }
  return { conn: duck.conn, close: duck.close };
}

export interface DatasetQueryResult {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

/** `droptrace query --dataset`: one read-only statement (a SELECT, WITH … or EXPLAIN) over the views. */
export async function queryDataset(dir: string, sql: string, opts: DatasetOptions = {}): Promise<DatasetQueryResult> {
  const ds = await openDataset(dir, opts);
  try {
    let stmt;
    try {
      stmt = await ds.conn.prepare(sql);
    } catch (err) {
      throw new QueryError(`SQL error: ${(err as Error).message}. The dataset's tables are requests, incidents, inputs and chain (README, "A fleet")`);
    }
    const { StatementType } = await duckModule();
    if (stmt.statementType !== StatementType.SELECT && stmt.statementType !== StatementType.EXPLAIN) {
      throw new QueryError('droptrace query --dataset runs read-only SQL (SELECT, WITH …, EXPLAIN); this statement would write or change settings');
    }
    const reader = await stmt.runAndReadAll();
    const columns = reader.columnNames();
    const rows = reader.getRowsJS().map((r) => Object.fromEntries(columns.map((c, i) => [c, toPlain(r[i])])));
    return { columns, rows };
  } finally {
    ds.close();
  }
}

/** Values a table, CSV or JSON can print: numbers for bigints, ISO text for timestamps. */
function toPlain(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  return plain(v);
}
