/**
 * One death per worker pid in every gunicorn version's wording (src/domain/worker-deaths.ts): the
 * lines are parsed by the real parser first, so a wording the parser misreads fails here too. Then
 * every paste of ../shared/corpora/gunicorn (real reports, 19.x–23.x) is folded: no pid dies twice in
 * one paste, and no death after a WORKER TIMEOUT is called an OOM kill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { createGunicornParser } from '../../parsers/gunicorn/parse.js';
import { foldDeathLines, type WorkerLine } from '../../src/domain/worker-deaths.js';
import { corporaDir, readCorpus, type CorpusRow } from '../parsers/corpora.js';

/** Lines → the server_log rows the fold reads (ids in order; a line without a time takes the previous one). */
function rowsOf(lines: readonly string[]): WorkerLine[] {
  const parse = createGunicornParser({ tz: 'UTC' });
  const out: WorkerLine[] = [];
  let last = 0;
  lines.forEach((line, i) => {
    const r = parse(line);
    if (r.kind !== 'record' || r.record.table !== 'server') return;
    const row = r.record.row;
    last = row.time ?? last;
    out.push({ id: i + 1, time_ms: last, event: row.event, worker_pid: row.workerPid, signal: row.signal, message: row.message });
  });
  return out;
}

const fold = (lines: readonly string[]) => foldDeathLines(rowsOf(lines)).map((d) => ({ pid: d.pid, cause: d.cause, line: d.line.id, folded: d.lines.length }));

test('gunicorn 21+: WORKER TIMEOUT, Worker exiting and "exited with code 1" twice are one timeout death', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:30 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:42)',
    '[2024-03-01 10:00:30 +0000] [42] [INFO] Worker exiting (pid: 42)',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) exited with code 1',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) exited with code 1.',
    '[2024-03-01 10:00:31 +0000] [51] [INFO] Booting worker with pid: 51',
  ]), [{ pid: 42, cause: 'timeout', line: 1, folded: 3 }]);
});

test('gunicorn 21+: WORKER TIMEOUT then "was sent SIGABRT!" then "was sent SIGKILL! Perhaps out of memory?" is one timeout, not an OOM kill', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:30 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:42)',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) was sent SIGABRT!',
    '[2024-03-01 10:00:32 +0000] [7] [ERROR] Worker (pid:42) was sent SIGKILL! Perhaps out of memory?',
  ]), [{ pid: 42, cause: 'timeout', line: 1, folded: 3 }]);
});

test('gunicorn 20.x: WORKER TIMEOUT then "terminated due to signal 9" seconds later is one death', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:30 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:42)',
    '[2024-03-01 10:00:33 +0000] [7] [WARNING] Worker with pid 42 was terminated due to signal 9',
  ]), [{ pid: 42, cause: 'timeout', line: 1, folded: 2 }]);
});

test('a SIGKILL without a WORKER TIMEOUT is one OOM-like kill; a crash exit logged twice is one exit', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:30 +0000] [7] [ERROR] Worker (pid:42) was sent SIGKILL! Perhaps out of memory?',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:43) exited with code 3',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:43) exited with code 3.',
  ]), [{ pid: 42, cause: 'oom_kill', line: 1, folded: 1 }, { pid: 43, cause: 'exit', line: 2, folded: 2 }]);
});

test('a graceful timeout and the SIGKILL that carries it out are one death, not an OOM kill', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:00 +0000] [7] [INFO] Handling signal: term',
    '[2024-03-01 10:00:30 +0000] [7] [INFO] Worker graceful timeout (pid:42)',
    '[2024-03-01 10:00:30 +0000] [7] [ERROR] Worker (pid:42) was sent SIGKILL! Perhaps out of memory?',
  ]), [{ pid: 42, cause: 'signal', line: 2, folded: 2 }]);
});

test('a pid that boots again dies again: a reused pid is a new death', () => {
  assert.deepEqual(fold([
    '[2024-03-01 10:00:30 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:42)',
    '[2024-03-01 10:00:31 +0000] [42] [INFO] Booting worker with pid: 42',
    '[2024-03-01 10:00:40 +0000] [7] [ERROR] Worker (pid:42) was sent SIGKILL! Perhaps out of memory?',
  ]), [{ pid: 42, cause: 'timeout', line: 1, folded: 1 }, { pid: 42, cause: 'oom_kill', line: 3, folded: 1 }]);
});

test('deaths far apart for one pid stay two (the window is not the whole file)', () => {
  assert.equal(fold([
    '[2024-03-01 10:00:30 +0000] [7] [ERROR] Worker (pid:42) exited with code 1',
    '[2024-03-01 11:00:30 +0000] [7] [ERROR] Worker (pid:42) exited with code 1',
  ]).length, 2);
});

test('recorded gunicorn 20.1.0: a timeout killed with SIGKILL and an os.abort() are two deaths of two pids', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('../helpers.js');
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'gunicorn-recorded', 'sync-access-logfile-timeout.log'), 'utf8').split('\n');
  assert.deepEqual(fold(lines).map((d) => [d.pid, d.cause, d.folded]), [[13389, 'timeout', 2], [13390, 'signal', 1]]);
});

test('corpora: every paste of real gunicorn lines folds to at most one death per pid, and none after a timeout is OOM', (t) => {
  const dir = corporaDir();
  if (dir === null) return t.skip('../shared/corpora is absent: the gunicorn conformance pastes are not here');
  let pastes = 0, deaths = 0, folded = 0;
  for (const name of readdirSync(join(dir, 'gunicorn')).filter((n) => n.endsWith('.ndjson'))) {
    // One paste = the rows of one source in order (a new paste at each seq 1).
    const groups: CorpusRow[][] = [];
    let key = '';
    for (const row of readCorpus(join(dir, 'gunicorn', name))) {
      const src = (row as unknown as { source: string }).source;
      if (src !== key || row.seq === 1 || groups.length === 0) groups.push([]);
      key = src;
      groups[groups.length - 1]!.push(row);
    }
    for (const g of groups) {
      pastes++;
      const rows = rowsOf(g.map((r) => r.inner_line ?? r.line));
      const out = foldDeathLines(rows);
      deaths += out.length;
      folded += out.reduce((n, d) => n + d.lines.length - 1, 0);
      const byPid = new Map<number, number>();
      for (const d of out) byPid.set(d.pid, (byPid.get(d.pid) ?? 0) + 1);
      for (const [pid, n] of byPid) {
        // A pid can only die twice if it booted again in between (not in these pastes).
        assert.equal(n, 1, `${name} paste ${(g[0] as unknown as { source: string }).source}: pid ${pid} died ${n} times`);
      }
      const timedOut = new Set(rows.filter((r) => r.event === 'worker_timeout').map((r) => r.worker_pid));
      for (const d of out) assert.ok(!(timedOut.has(d.pid) && d.cause === 'oom_kill'), `${name}: pid ${d.pid} timed out, yet its death is called an OOM kill`);
    }
  }
  assert.ok(pastes > 10 && deaths > 10 && folded > 0, `pastes ${pastes}, deaths ${deaths}, folded lines ${folded}`);
});

test('report: a gunicorn 21+ timeout told in four lines is one incident, with no OOM advice', async (t) => {
  const { writeFileSync } = await import('node:fs');
  const { runCliCaptured, tempDir } = await import('../helpers.js');
  const dir = tempDir(t);
  writeFileSync(join(dir, 'access.log'), [
    '127.0.0.1 - - [01/Mar/2024:10:00:00 +0000] "GET /fast HTTP/1.1" 200 3 "-" "curl/8.0"',
    '127.0.0.1 - - [01/Mar/2024:10:00:31 +0000] "GET /block HTTP/1.1" 502 157 "-" "curl/8.0"',
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'gunicorn.log'), [
    '[2024-03-01 09:59:00 +0000] [7] [INFO] Starting gunicorn 23.0.0',
    '[2024-03-01 09:59:00 +0000] [42] [INFO] Booting worker with pid: 42',
    '[2024-03-01 10:00:30 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:42)',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) was sent SIGABRT!',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) exited with code 1',
    '[2024-03-01 10:00:31 +0000] [7] [ERROR] Worker (pid:42) exited with code 1.',
    '[2024-03-01 10:00:31 +0000] [51] [INFO] Booting worker with pid: 51',
  ].join('\n') + '\n');
  const run = await runCliCaptured(['analyze', '--tz', 'UTC', '--db', join(dir, 'd.db'), '--format', 'json', join(dir, 'access.log'), join(dir, 'gunicorn.log')]);
  assert.equal(run.exitCode, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { worker_incidents: { event: string; worker_pid: number }[]; recommendations: { id: string }[] };
  assert.deepEqual(report.worker_incidents.map((i) => [i.event, i.worker_pid]), [['worker_timeout', 42]]);
  assert.ok(!report.recommendations.some((r) => r.id === 'worker-crash'), JSON.stringify(report.recommendations.map((r) => r.id)));
});
