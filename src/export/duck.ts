/**
 * The embedded engine: DuckDB through @duckdb/node-api (its binary ships inside the npm package, so
 * an install needs no toolchain and no download). The only file that knows its API, besides the
 * reads in src/fleet/.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Column } from '../store/sql/dataset.js';

export type Duck = DuckDBConnection;

/**
 * The engine's module, loaded on first use: it takes ~80 ms to load, which every other command
 * (and every shard process of an ingest) would pay at start for nothing.
 */
export const duckModule = (): Promise<typeof import('@duckdb/node-api')> => import('@duckdb/node-api');

export async function openDuck(): Promise<{ conn: Duck; close: () => void }> {
  const { DuckDBInstance } = await duckModule();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  // times are UTC everywhere in droptrace; TIMESTAMPTZ columns and date_trunc follow the session's zone
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Appends rows (objects keyed by column name) to a table whose columns are `columns`, in order. */
export async function appendRows(conn: Duck, table: string, columns: readonly Column[], rows: Iterable<Record<string, unknown>>): Promise<number> {
  const ap = await conn.createAppender(table);
  let n = 0;
  try {
    for (const r of rows) {
      for (const c of columns) {
        const v = r[c.name];
        if (v === null || v === undefined) ap.appendNull();
        else if (c.type === 'VARCHAR') ap.appendVarchar(String(v));
        else if (c.type === 'BIGINT') ap.appendBigInt(BigInt(Math.trunc(Number(v))));
        else if (c.type === 'INTEGER') ap.appendInteger(Number(v));
        else if (c.type === 'DOUBLE') ap.appendDouble(Number(v));
        else ap.appendBoolean(v === true || v === 1);
      }
      ap.endRow();
      n++;
    }
  } finally {
    ap.closeSync();
  }
  return n;
}

/** DuckDB's BIGINTs arrive as bigint: the values here (ids, epoch ms, counts) fit a double exactly. */
export const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);
