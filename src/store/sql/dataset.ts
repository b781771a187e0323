/**
 * The Parquet dataset (`droptrace export --dataset DIR`), in DuckDB's SQL: the four tables' columns
 * (data, from which the staging DDL is built), the COPY that writes a partition, and the views a
 * fleet report or `query --dataset` reads. Layout (Hive):
 *   DIR/table=requests/date=2026-12-04/stack=web-07/part-<shard>.parquet
 * `date` and `stack` live in the path only, as Hive-partitioned readers (DuckDB, ClickHouse, Trino,
 * BigQuery, Spark) expect.
 */
export type ColumnType = 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR';
export interface Column { readonly name: string; readonly type: ColumnType }

const cols = (spec: string): Column[] => spec.trim().split(/\s*,\s*/).map((c) => {
  const [name, type] = c.split(/\s+/) as [string, ColumnType];
  return { name, type };
});

/**
 * One row per request the shard owns: first the `requests` NDJSON contract, field for field (nested
 * values — attempts, app, worker, error_log, source, evidence, app_server, lb, nginx — as JSON text, which every engine parses), then
 * the raw columns the fleet report rebuilds its tallies from (the lb_* ones: the load balancer's line,
 * which is the whole request when only the LB logged it, id < 0).
 */
export const REQUEST_COLUMNS = cols(`
  id BIGINT, end VARCHAR, end_resolution_s DOUBLE, start VARCHAR, method VARCHAR, uri VARCHAR, path VARCHAR,
  status INTEGER, request_id VARCHAR, request_time_s DOUBLE, attempts VARCHAR, verdict VARCHAR, silent BOOLEAN,
  wasted_work BOOLEAN, retried BOOLEAN, stalled BOOLEAN, keepalive_race BOOLEAN, app VARCHAR, worker VARCHAR,
  error_log VARCHAR, explanation VARCHAR, wasted_s DOUBLE, stalled_by BIGINT, client VARCHAR, host VARCHAR, source VARCHAR,
  keepalive_race_possible BOOLEAN, evidence VARCHAR, app_server VARCHAR, lb VARCHAR, nginx VARCHAR,
  shard VARCHAR, end_ms BIGINT, start_ms BIGINT, user_agent VARCHAR, request_time_ms BIGINT, logged_attempts VARCHAR,
  attempt_outcomes VARCHAR, app_pid BIGINT, app_elapsed_ms BIGINT, app_completed INTEGER, app_end_ms BIGINT,
  worker_event_id BIGINT, worker_pid BIGINT, worker_event VARCHAR, worker_time_ms BIGINT, wasted_ms BIGINT,
  keepalive_suspect INTEGER, evidence_level VARCHAR, evidence_json VARCHAR,
  file VARCHAR, file_id BIGINT, line_no BIGINT, stalled_by_file VARCHAR, stalled_by_line BIGINT,
  worker_event_file VARCHAR, worker_event_line BIGINT,
  lb_kind VARCHAR, lb_time_ms BIGINT, lb_status INTEGER, lb_target_status INTEGER, lb_elapsed_ms BIGINT, lb_termination VARCHAR,
  lb_file VARCHAR, lb_line BIGINT`);

/** The other layers' lines a shard owns: gunicorn's worker events and boots, nginx's error lines, app loop blockers. */
export const INCIDENT_COLUMNS = cols(`
  shard VARCHAR, layer VARCHAR, id BIGINT, time_ms BIGINT, event VARCHAR, level VARCHAR, pid BIGINT, worker_pid BIGINT,
  signal INTEGER, exit_code INTEGER, message VARCHAR, upstream VARCHAR, request VARCHAR, method VARCHAR, path VARCHAR,
  elapsed_ms BIGINT, file VARCHAR, file_id BIGINT, line_no BIGINT`);

/** One row per input file of a shard, with what its owned lines can tell and the shard's window and clock offsets. */
export const INPUT_COLUMNS = cols(`
  shard VARCHAR, file_id BIGINT, path VARCHAR, host VARCHAR, type VARCHAR, format VARCHAR, tz VARCHAR,
  records BIGINT, rejected BIGINT,
  access_n BIGINT, access_with_time BIGINT, access_with_upstream BIGINT, access_with_request_id BIGINT,
  error_n BIGINT, error_info BIGINT, app_n BIGINT, app_with_pid BIGINT, app_with_request_id BIGINT, app_every_request BIGINT,
  server_n BIGINT, server_gunicorn BIGINT,
  window_from_ms BIGINT, window_to_ms BIGINT, overlap_ms BIGINT, app_skew_ms BIGINT, error_skew_ms BIGINT, exported_ms BIGINT`);

/**
 * One row per setting of each audited chain snapshot the shard holds (chain.ts): what the report's
 * recommendations and fingerprints cite. A table of its own, so datasets without one read as before.
 */
export const CHAIN_COLUMNS = cols(`
  shard VARCHAR, snapshot_id BIGINT, taken_ms BIGINT, inputs VARCHAR, seq BIGINT, layer VARCHAR, server VARCHAR,
  location VARCHAR, setting VARCHAR, value_s DOUBLE, value VARCHAR, source VARCHAR`);

export const DATASET_TABLES = { requests: REQUEST_COLUMNS, incidents: INCIDENT_COLUMNS, inputs: INPUT_COLUMNS, chain: CHAIN_COLUMNS } as const;
export type DatasetTable = keyof typeof DATASET_TABLES;

/**
 * Each table's time column: it names the date partition, and is written again as a UTC timestamp
 * (Parquet TIMESTAMP, adjusted to UTC) for engines to bucket by: `end_ts`, `time`, `window_from`,
 * `taken`. `then`: the columns that order rows of the same time.
 */
const TIME_OF: Record<DatasetTable, { ms: string; ts: string; then: string }> = {
  requests: { ms: 'end_ms', ts: 'end_ts', then: 'id' },
  incidents: { ms: 'time_ms', ts: 'time', then: 'file_id' },
  inputs: { ms: 'window_from_ms', ts: 'window_from', then: 'file_id' },
  chain: { ms: 'taken_ms', ts: 'taken', then: 'snapshot_id, seq' },
};

const q = (name: string) => `"${name}"`;
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The table a shard's rows are staged in before they are copied out. `temp` (the export's): a
 * temporary table, which DuckDB keeps in its buffer pool and spills to the temp directory past the
 * memory limit, rather than writing each commit to the database file's WAL and then its pages
 * (that took a third of the export's time).
 */
export function createStageTable(table: DatasetTable, temp = false): string {
  return `CREATE OR REPLACE ${temp ? 'TEMP ' : ''}TABLE stage_${table} (${DATASET_TABLES[table].map((c) => `${q(c.name)} ${c.type}`).join(', ')})`;
}

/** The UTC dates the staged rows fall on ('unknown' for rows without a time). */
export function selectStageDates(table: DatasetTable): string {
  return `SELECT DISTINCT coalesce(strftime(epoch_ms(${TIME_OF[table].ms}), '%Y-%m-%d'), 'unknown') AS date FROM stage_${table} ORDER BY 1`;
}

/**
 * Writes one date's staged rows to one Parquet file (ZSTD: about half of snappy's size on log text),
 * ordered by time. `staged in order`: the rows were appended in that order (the requests, 100k a
 * shard), so a single-threaded scan keeps it and nothing is sorted or held; the others are sorted
 * here. Row groups of 16k rows: the writer holds one in memory (DuckDB's default, 122,880 rows of
 * requests, is ~200 MiB of JSON text).
 */
export function copyStageDate(table: DatasetTable, date: string, file: string, stagedInOrder = false): string {
  const t = TIME_OF[table];
  const order = stagedInOrder ? '' : ` ORDER BY ${t.ms}, ${t.then}`;
  return `COPY (SELECT *, epoch_ms(${t.ms})::TIMESTAMPTZ AS ${t.ts} FROM stage_${table}
    WHERE coalesce(strftime(epoch_ms(${t.ms}), '%Y-%m-%d'), 'unknown') = ${sqlString(date)}${order})
    TO ${sqlString(file)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 16384)`;
}

/** A view per table over the dataset's files (or an empty table when a table has none yet). */
export function createDatasetView(table: DatasetTable, glob: string | null): string {
  if (glob === null) {
    const t = TIME_OF[table];
    return `CREATE OR REPLACE VIEW ${table} AS SELECT *, NULL::TIMESTAMPTZ AS ${t.ts}, NULL::VARCHAR AS date, NULL::VARCHAR AS stack FROM stage_${table} WHERE false`;
  }
  return `CREATE OR REPLACE VIEW ${table} AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true, hive_types = {'date': VARCHAR, 'stack': VARCHAR})`;
}
