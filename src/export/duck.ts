/**
 * The embedded engine: DuckDB through @duckdb/node-api (its binary ships inside the npm package, so
 * an install needs no toolchain and no download). The only file that knows its API, besides the
 * reads in src/fleet/.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Column } from '../store/sql/dataset.js';
import { makeScratchDir } from './scratch.js';

export type Duck = DuckDBConnection;

/**
 * The engine's module, loaded on first use: it takes ~80 ms to load, which every other command
 * (and every shard process of an ingest) would pay at start for nothing.
 */
export const duckModule = (): Promise<typeof import('@duckdb/node-api')> => import('@duckdb/node-api');

/**
 * DuckDB's own default is 80 % of the machine's memory, which it keeps once taken (200k requests
 * staged, sorted and copied took 1 GiB). Past this it spills to its scratch directory instead; the
 * figures before and after are in docs/performance.md. `--memory-limit` sets another.
 */
export const DUCKDB_MEMORY_LIMIT = '256MB';

/**
 * DuckDB's out-of-memory error, with droptrace's fix: DuckDB's own advice (`SET memory_limit`, `SET
 * threads`) is SQL a droptrace command line cannot run. Null for any other error.
 */
export function outOfMemoryMessage(message: string): string | null {
  if (!/^Out of Memory Error:|failed to pin block/i.test(message)) return null;
  return `${message.split('\n')[0]}: DuckDB reached its memory limit in a step that cannot spill to TMPDIR; run the command again with a larger --memory-limit (default ${DUCKDB_MEMORY_LIMIT}), e.g. --memory-limit 1GB`;
}

export interface DuckOptions {
  /** DuckDB's memory_limit (`512MB`, `2GB`: checked by parseMemoryLimitArg); default DUCKDB_MEMORY_LIMIT */
  readonly memoryLimit?: string;
  /** 1 for a copy that must keep its rows' order without sorting them (the export) */
  readonly threads?: number;
}

/**
 * A DuckDB for one export or one fleet report: a database file in a scratch directory under the
 * temp directory (TMPDIR), not in memory, so the tables it stages and numbers live on disk and are
 * paged in under `memory_limit`; its sorts and joins spill to the same directory. The directory is
 * removed on close; one a killed process left is removed by the next (scratch.ts).
 */
export async function openDuck(opts: DuckOptions = {}): Promise<{ conn: Duck; close: () => void }> {
  const { DuckDBInstance: Instance } = await duckModule();
  const scratch = makeScratchDir('duckdb');
  let instance: DuckDBInstance;
  try {
    instance = await Instance.create(join(scratch, 'scratch.duckdb'), {
      memory_limit: opts.memoryLimit ?? DUCKDB_MEMORY_LIMIT,
      temp_directory: join(scratch, 'spill'),
      ...(opts.threads !== undefined ? { threads: String(opts.threads) } : {}),
    });
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const conn = await instance.connect();
  // times are UTC everywhere in droptrace; TIMESTAMPTZ columns and date_trunc follow the session's zone
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Rows appended between two commits. An appender holds its rows in transaction-local storage until it
 * is closed, outside DuckDB's memory_limit: closing one every batch keeps that at a few MiB (a
 * shard's 100k requests appended at once took 400 MiB) and each batch goes to the table's pages.
 */
const APPEND_BATCH = 8192;

/**
 * Appends rows to a table whose columns are `columns`: each row an array of values in that order
 * (objects keyed by column name: inColumnOrder). Value by value: DuckDB's data chunks, filled a
 * column at a time, cost more here (the node API sets each string of a chunk by a call of its own
 * as well, behind per-value JavaScript), 8.0 s of CPU against 6.5 s for a 200k-request export.
 */
export async function appendRows(conn: Duck, table: string, columns: readonly Column[], rows: Iterable<readonly unknown[]>, schema?: string, catalog?: string): Promise<number> {
  const types = columns.map((c) => c.type);
  let ap = await conn.createAppender(table, schema, catalog);
  let n = 0;
  try {
    for (const r of rows) {
      for (let j = 0; j < types.length; j++) {
        const v = r[j];
        const type = types[j];
        if (v === null || v === undefined) ap.appendNull();
        else if (type === 'VARCHAR') ap.appendVarchar(String(v));
        else if (type === 'BIGINT') ap.appendBigInt(BigInt(Math.trunc(Number(v))));
        else if (type === 'INTEGER') ap.appendInteger(Number(v));
        else if (type === 'DOUBLE') ap.appendDouble(Number(v));
        else ap.appendBoolean(v === true || v === 1);
      }
      ap.endRow();
      n++;
      if (n % APPEND_BATCH === 0) {
        ap.closeSync();
        ap = await conn.createAppender(table, schema, catalog);
      }
    }
  } finally {
    ap.closeSync();
  }
  return n;
}

/** Objects keyed by column name as rows for appendRows. */
export function* inColumnOrder(columns: readonly Column[], rows: Iterable<Record<string, unknown>>): Generator<unknown[]> {
  for (const r of rows) yield columns.map((c) => r[c.name]);
}

/** DuckDB's BIGINTs arrive as bigint: the values here (ids, epoch ms, counts) fit a double exactly. */
export const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);
