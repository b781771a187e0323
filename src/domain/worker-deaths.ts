/**
 * One death per worker pid, whatever gunicorn version printed it. A worker's end is several lines,
 * and which ones depends on the version (gunicorn/arbiter.py, read at tags 19.9–23.0):
 *   19.x–20.x  WORKER TIMEOUT (pid:42) · Worker exiting (pid: 42) · Worker with pid 42 was terminated due to signal 6|9
 *   21.0+      WORKER TIMEOUT (pid:42) · Worker exiting (pid: 42) · Worker (pid:42) exited with code 1
 *              · Worker (pid:42) exited with code 1.   (reap_workers logs a non-zero exit twice)
 *              or … Worker (pid:42) was sent SIGABRT! · Worker (pid:42) was sent SIGKILL! Perhaps out of memory?
 *              (the SIGKILL is the arbiter's own second kill when the abort did not end the worker)
 * Every line about one pid within FOLD_MS of the previous one is the same death; a "Booting worker
 * with pid: 42" (the pid reused) ends it. The correlation and the report both fold with this, so a
 * request's death and the report's incident are the same line.
 */

/** The worker lines the fold reads (a server_log row, or the report's with file and line). */
export interface WorkerLine {
  readonly id: number;
  readonly time_ms: number;
  readonly event: string;
  readonly worker_pid: number | null;
  readonly signal: number | null;
  readonly message: string;
}

export type DeathCause = 'timeout' | 'signal' | 'exit' | 'oom_kill';

export interface FoldedDeath<R extends WorkerLine> {
  /** The line that names the death: the WORKER TIMEOUT when there is one, else the first line */
  readonly line: R;
  readonly pid: number;
  readonly cause: DeathCause;
  /** Every line of this death, in order (the cited line first among equals) */
  readonly lines: readonly R[];
}

/** The events that report a worker's end (booting_worker ends a pid's death instead). */
export const DEATH_EVENTS: readonly string[] = ['worker_timeout', 'worker_signaled', 'worker_killed', 'worker_exited', 'worker_aborted'];

/**
 * Lines of one death are this close to each other: the arbiter kills (SIGABRT) at once, SIGKILLs on
 * its next check if the worker is still there, and reaps within a second or two; a graceful stop
 * waits graceful_timeout (30 s by default) before its SIGKILL.
 */
export const FOLD_MS = 35_000;

/** Folds worker lines (sorted by time, then id) into one death per pid and episode. */
export function foldDeathLines<R extends WorkerLine>(rows: readonly R[]): FoldedDeath<R>[] {
  const open = new Map<number, { lines: R[]; last: number }>();
  const episodes: R[][] = [];
  for (const r of rows) {
    const pid = r.worker_pid;
    if (pid === null) continue;
    if (r.event === 'booting_worker') {
      open.delete(pid);
      continue;
    }
    if (!DEATH_EVENTS.includes(r.event)) continue;
    const e = open.get(pid);
    if (e && r.time_ms - e.last <= FOLD_MS) {
      e.lines.push(r);
      e.last = r.time_ms;
      continue;
    }
    const lines = [r];
    episodes.push(lines);
    open.set(pid, { lines, last: r.time_ms });
  }
  return episodes.map((lines) => {
    const first = lines[0]!;
    const timeout = lines.find((l) => l.event === 'worker_timeout');
    const aborted = lines.some((l) => l.event === 'worker_aborted');
    const killed = lines.some((l) => l.signal === 9 || /SIGKILL/.test(l.message));
    // A SIGKILL after a WORKER TIMEOUT or a graceful timeout is the arbiter's own, not the OOM killer's.
    const cause: DeathCause = timeout ? 'timeout' : aborted ? 'signal' : killed ? 'oom_kill' : first.event === 'worker_exited' ? 'exit' : 'signal';
    return { line: timeout ?? first, pid: first.worker_pid!, cause, lines };
  });
}
