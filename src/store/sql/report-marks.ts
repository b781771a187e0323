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
  /** null on marks written before migration 7 */
  readonly revision_id: number | null;
}

export const SELECT_LAST_MARK = 'SELECT id, created_ms, last_access_id, requests, revision_id FROM report_marks ORDER BY id DESC LIMIT 1';
export const INSERT_MARK = 'INSERT INTO report_marks (created_ms, last_access_id, requests, format, revision_id) VALUES (?, ?, ?, ?, ?)';

/**
 * Verdicts that changed after a `--since-last` report covered them (a gunicorn log that arrived a
 * day late turns yesterday's upstream_error into worker_crash). Only requests some mark covers are
 * watched: a correlation first copies their verdicts it is about to rewrite into
 * verdict_snapshot, then records the changed ones in verdict_revisions and empties the copy. The copy
 * is a table, not TEMP: a correlation killed midway leaves it for the next run, which adds to it
 * without overwriting (the verdict before the killed run is the one reports printed). The next
 * `--since-last` report lists the revisions newer than its mark's `revision_id`; writing a mark
 * deletes those it has listed.
 */
export const VERDICT_REVISIONS_MIGRATION = `
  CREATE TABLE verdict_revisions (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,         -- correlation_runs.id of the run that changed it
    access_id   INTEGER NOT NULL,         -- nginx_access.id (= request_verdicts.access_id)
    old_verdict TEXT NOT NULL,
    new_verdict TEXT NOT NULL
  );
  CREATE TABLE verdict_snapshot (
    access_id   INTEGER PRIMARY KEY,
    verdict     TEXT NOT NULL
  );
  ALTER TABLE report_marks ADD COLUMN revision_id INTEGER; -- the newest verdict_revisions.id the report read
`;

/** The highest request id any report covered: verdicts at or below it are watched for revisions. */
export const SELECT_WATCHED_UP_TO = 'SELECT coalesce(max(last_access_id), 0) AS id FROM report_marks';

/**
 * The verdicts a correlation from @from is about to rewrite, of reported requests: through the
 * end_ms index (`+access_id` keeps the planner off the primary key, whose range is the whole
 * history), so a nightly incremental run reads only its window. OR IGNORE: a verdict a killed run
 * left in the copy is older than the one in request_verdicts now.
 */
export const SNAPSHOT_REPORTED_VERDICTS_FROM = `
  INSERT OR IGNORE INTO verdict_snapshot (access_id, verdict)
  SELECT access_id, verdict FROM request_verdicts
  WHERE end_ms >= @from AND +access_id <= @upTo`;
/** The same for a full rebuild: every reported request. */
export const SNAPSHOT_ALL_REPORTED_VERDICTS = `
  INSERT OR IGNORE INTO verdict_snapshot (access_id, verdict)
  SELECT access_id, verdict FROM request_verdicts WHERE access_id <= @upTo`;
export const RECORD_VERDICT_REVISIONS = `
  INSERT INTO verdict_revisions (run_id, access_id, old_verdict, new_verdict)
  SELECT @run, s.access_id, s.verdict, v.verdict
  FROM verdict_snapshot s JOIN request_verdicts v ON v.access_id = s.access_id
  WHERE v.verdict <> s.verdict
  ORDER BY s.access_id`;
export const EMPTY_SNAPSHOT = 'DELETE FROM verdict_snapshot';

/**
 * Requests the previous reports covered (id ≤ @upTo) whose verdict changed in revisions after the
 * previous mark's (@rev) up to the newest when this report began (@newest, the next mark's):
 * the verdict before the first such change and the one now, changed-back ones left out.
 */
const REVISED_SINCE = `
  SELECT f.access_id, r.old_verdict AS was, v.verdict AS now
  FROM (SELECT access_id, min(id) AS first_id FROM verdict_revisions
        WHERE id > @rev AND id <= @newest AND access_id <= @upTo GROUP BY access_id) f
  JOIN verdict_revisions r ON r.id = f.first_id
  JOIN request_verdicts v ON v.access_id = f.access_id
  WHERE r.old_verdict <> v.verdict`;
export const SELECT_REVISION_CHANGES = `
  SELECT was, now, count(*) AS count FROM (${REVISED_SINCE}) GROUP BY was, now ORDER BY count DESC, was, now`;
export const SELECT_REVISED_EXAMPLES = `${REVISED_SINCE} ORDER BY f.access_id LIMIT @limit`;

export interface RevisionChangeRow {
  readonly was: string;
  readonly now: string;
  readonly count: number;
}
export interface RevisedRequestRow {
  readonly access_id: number;
  readonly was: string;
  readonly now: string;
}

/**
 * The newest revision when a report runs: a correlation running beside it records its revisions
 * later, with higher ids, so the next report still lists them (a run id could not tell).
 */
export const SELECT_NEWEST_REVISION = 'SELECT coalesce(max(id), 0) AS id FROM verdict_revisions';
/** Once a mark is written, the revisions its report listed (or left out as changed back) are done. */
export const DELETE_LISTED_REVISIONS = 'DELETE FROM verdict_revisions WHERE id <= ?';
