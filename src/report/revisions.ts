/**
 * "Revised since the last report": requests an earlier `--since-last` report covered whose verdict
 * a later correlation changed (late logs, or a rebuild). A nightly reader would otherwise never
 * learn that yesterday's upstream_error was a worker crash after all.
 */
import type { Db } from '../store/open.js';
import {
  SELECT_REVISED_EXAMPLES, SELECT_REVISION_CHANGES, type ReportMarkRow, type RevisedRequestRow, type RevisionChangeRow,
} from '../store/sql/report-marks.js';
import { SELECT_REPORT_REQUEST, type ReportRequestRow } from '../store/sql/report-requests.js';
import { LISTED } from './format.js';
import { refOf } from './refs.js';
import type { Revisions } from './types.js';
import { toVerdict, checkVerdict, type WithStoredVerdict } from '../domain/verdicts.js';

/** The revisions after the previous mark's, up to `newestId` (read when the report began). */
export function readRevisions(db: Db, mark: ReportMarkRow, newestId: number): Revisions {
  const params = { rev: mark.revision_id ?? 0, newest: newestId, upTo: mark.last_access_id };
  const changes = (db.prepare(SELECT_REVISION_CHANGES).all(params) as RevisionChangeRow[])
    .map((c) => ({ from: toVerdict(c.was), to: toVerdict(c.now), count: c.count }));
  const byId = db.prepare(SELECT_REPORT_REQUEST);
  const requests = (db.prepare(SELECT_REVISED_EXAMPLES).all({ ...params, limit: LISTED }) as RevisedRequestRow[])
    .flatMap((r) => {
      const row = readReportRequest(byId, r.access_id);
      return row ? [{ ...refOf(row), previous_verdict: toVerdict(r.was) }] : [];
    });
  return { count: changes.reduce((n, c) => n + c.count, 0), changes, requests };
}

/** One request by id (SELECT_REPORT_REQUEST), its verdict checked; undefined when there is none. */
export function readReportRequest(stmt: ReturnType<Db['prepare']>, id: number): ReportRequestRow | undefined {
  const row = stmt.get(id) as WithStoredVerdict<ReportRequestRow> | undefined;
  return row === undefined ? undefined : checkVerdict(row);
}
