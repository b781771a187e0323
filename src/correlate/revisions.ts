/**
 * Verdict revisions of requests a `--since-last` report already covered. A correlation rewrites the
 * verdicts from some time on; when late logs (or a rebuild) change one a nightly report has already
 * printed, the next nightly report says so (report/revisions.ts). Nothing is watched before the
 * first such report.
 */
import type { Db } from '../store/open.js';
import {
  EMPTY_SNAPSHOT, RECORD_VERDICT_REVISIONS, SELECT_WATCHED_UP_TO, SNAPSHOT_ALL_REPORTED_VERDICTS,
  SNAPSHOT_REPORTED_VERDICTS_FROM,
} from '../store/sql/report-marks.js';

/**
 * Copies the verdicts a correlation from `fromMs` (null: all) is about to rewrite, of the requests
 * reports covered. Returns whether any report covered anything, i.e. whether `recordRevisions` has
 * work to do (a copy a killed run left counts too).
 */
export function snapshotReportedVerdicts(db: Db, fromMs: number | null): boolean {
  const upTo = (db.prepare(SELECT_WATCHED_UP_TO).get() as { id: number }).id;
  if (upTo === 0) return false;
  if (fromMs === null) db.prepare(SNAPSHOT_ALL_REPORTED_VERDICTS).run({ upTo });
  else db.prepare(SNAPSHOT_REPORTED_VERDICTS_FROM).run({ upTo, from: fromMs });
  return true;
}

/** After the correlation: the copied verdicts that changed, recorded under run `runId`. Returns how many. */
export function recordRevisions(db: Db, runId: number): number {
  return db.transaction(() => {
    const n = db.prepare(RECORD_VERDICT_REVISIONS).run({ run: runId }).changes;
    db.exec(EMPTY_SNAPSHOT);
    return n;
  })();
}
