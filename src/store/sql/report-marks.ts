/**
 * `droptrace report --since-last`: the marks nightly reports leave in the database. A mark records
 * the highest nginx_access.id the report covered; the next `--since-last` report covers requests with
 * a higher id — what was ingested since, whatever times its lines carry (a late-rotated file still
 * counts once). Row type: ReportMarkRow.
 */
export const REPORT_MARKS_MIGRATION = `
  CREATE TABLE report_marks (
    id             INTEGER PRIMARY KEY,
    created_ms     INTEGER NOT NULL,      -- when the report ran (wall clock)
    last_access_id INTEGER NOT NULL,      -- the highest nginx_access.id the report covered
    requests       INTEGER NOT NULL,      -- how many requests it covered
    format         TEXT                   -- the report's --format, for the record
  );
`;

export interface ReportMarkRow {
  readonly id: number;
  readonly created_ms: number;
  readonly last_access_id: number;
  readonly requests: number;
}

export const SELECT_LAST_MARK = 'SELECT id, created_ms, last_access_id, requests FROM report_marks ORDER BY id DESC LIMIT 1';
export const INSERT_MARK = 'INSERT INTO report_marks (created_ms, last_access_id, requests, format) VALUES (?, ?, ?, ?)';
