/**
 * Verdict revisions of requests a `--since-last` report already covered. A correlation rewrites the
 * verdicts from some time on; when late logs change one a nightly report has already printed, the
 * next nightly report says so (report/model.ts). Nothing is watched before the first such report.
 */
import type { Db } from '../store/open.js';
import {
  CREATE_REPORTED_SNAPSHOT, DROP_REPORTED_SNAPSHOT, RECORD_VERDICT_REVISIONS, SELECT_WATCHED_UP_TO,
  SNAPSHOT_ALL_REPORTED_VERDICTS, SNAPSHOT_REPORTED_VERDICTS_FROM,
} from '../store/sql/report-marks.js';

/**
 * Keeps the verdicts a correlation from `fromMs` (null: all) is about to rewrite, of the requests
 * reports covered. Returns whether it kept any, i.e. whether `recordRevisions` has work to do.
 */
export function snapshotReportedVerdicts(db: Db, fromMs: number | null): boolean {
  const upTo = (db.prepare(SELECT_WATCHED_UP_TO).get() as { id: number }).id;
  if (upTo === 0) return false;
  db.exec(CREATE_REPORTED_SNAPSHOT);
  const kept = fromMs === null
    ? db.prepare(SNAPSHOT_ALL_REPORTED_VERDICTS).run({ upTo })
    : db.prepare(SNAPSHOT_REPORTED_VERDICTS_FROM).run({ upTo, from: fromMs });
  return kept.changes > 0;
}

/** After the correlation: the kept verdicts that changed, recorded under run `runId`. Returns how many. */
export function recordRevisions(db: Db, runId: number): number {
  const n = db.prepare(RECORD_VERDICT_REVISIONS).run({ run: runId }).changes;
  db.exec(DROP_REPORTED_SNAPSHOT);
  return n;
}
