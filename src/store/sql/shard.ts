/**
 * A shard is one stack over one time window (src/shard/). Its database keeps the log rows of the
 * window widened by the overlap on both sides, so every request that ends in the window has all its
 * evidence (a request lasts at most the chain's longest timeout); the rows beyond are deleted before
 * correlating. What a shard owns — the requests that end in its window, the other layers' lines timed
 * in it — is what it exports, so shards side by side count each request once.
 */

/** Rows outside [@lo, @hi) by their own time; rows without a time stay (they are never owned). */
export const TRIM_TO_WINDOW: readonly string[] = [
  'DELETE FROM nginx_access WHERE time_ms < @lo OR time_ms >= @hi',
  'DELETE FROM nginx_error WHERE time_ms < @lo OR time_ms >= @hi',
  'DELETE FROM server_log WHERE time_ms < @lo OR time_ms >= @hi',
  'DELETE FROM app_requests WHERE time_ms < @lo OR time_ms >= @hi',
  'DELETE FROM lb_access WHERE time_ms < @lo OR time_ms >= @hi',
];

/** Owned requests that lasted longer than the overlap: their start may lie outside the shard's rows. */
export const COUNT_LONGER_THAN_OVERLAP = `
  SELECT count(*) AS n, max(v.end_ms - v.start_ms) AS longest_ms
  FROM request_verdicts v
  WHERE v.end_ms >= @from AND v.end_ms < @to AND v.start_ms IS NOT NULL AND v.end_ms - v.start_ms > @overlap`;

export interface LongerThanOverlapRow {
  readonly n: number;
  readonly longest_ms: number | null;
}

/** A request's end on nginx's clock, by row id: whether a shard owns it. */
export const SELECT_REQUEST_END = 'SELECT end_ms FROM request_verdicts WHERE access_id = ?';

/**
 * `query --db DIR` over a windowed shard: temp views named as the tables, which SQLite resolves
 * before main's, holding only the rows the shard owns (rows in the overlap belong to the shard whose
 * window holds them; rows without a time to none), so a row is counted in one shard only. Built
 * from numbers, never from user text.
 */
export function ownedViews(fromMs: number, toMs: number): string[] {
  const by = (table: string, time: string) =>
    `CREATE TEMP VIEW ${table} AS SELECT * FROM main.${table} WHERE ${time} >= ${Math.trunc(fromMs)} AND ${time} < ${Math.trunc(toMs)}`;
  return [
    by('request_verdicts', 'end_ms'), by('nginx_access', 'time_ms'), by('nginx_error', 'time_ms'),
    by('server_log', 'time_ms'), by('app_requests', 'time_ms'), by('lb_access', 'time_ms'),
  ];
}
