/** The verdict rows' trip to SQLite: packed batches, and the writer thread that inserts them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { correlate } from '../../src/correlate/correlate.js';
import { VerdictBatch, unpackVerdicts } from '../../src/store/verdicts/verdict-batch.js';
import { VerdictWriter } from '../../src/store/verdicts/verdict-writer.js';
import type { VerdictRow } from '../../src/store/verdicts/row.js';
import { VERDICT_COLUMNS } from '../../src/store/sql/correlation.js';
import { tempDir } from '../helpers.js';
import { ingestedSample } from './sample-db.js';

const row = (access_id: number, over: Partial<VerdictRow> = {}): VerdictRow => ({
  access_id, start_ms: null, end_ms: 1_710_000_000_123, verdict: 'ok', silent: 0, wasted_work: 0, retried: 0, stalled: 0,
  keepalive_race: 0, app_id: null, app_ids: null, app_match: null, app_confidence: null, app_status: null, app_elapsed_ms: null,
  app_pid: null, app_completed: null, app_end_ms: null, worker_event_id: null, worker_pid: null, worker_event: null,
  worker_time_ms: null, error_ids: null, attempts: null, stalled_by: null, wasted_ms: null, explanation: 'the app answered 200',
  keepalive_suspect: 0, evidence_level: 'exact', evidence: '{"verdict":{"level":"exact","rule":"x"},"flags":{}}', ...over,
});

test('a_packed_batch_gives_back_nulls_numbers_and_texts_as_they_were', () => {
  const rows = [
    row(1),
    row(2, { start_ms: 1_710_000_000_000, app_confidence: 0.37, app_ids: '[5,6]', attempts: '', explanation: 'naïve 🐍 text', worker_event: 'worker_timeout' }),
    row(3, { app_id: 0, app_status: 502, error_ids: '[]', explanation: '' }),
  ];
  const batch = new VerdictBatch(3);
  for (const r of rows) batch.add(r);
  assert.equal(batch.full, true);
  const got: unknown[][] = [];
  unpackVerdicts(batch.take(), (p) => got.push([...p]));
  assert.deepEqual(got, rows.map((r) => VERDICT_COLUMNS.map(([name]) => r[name])));
  assert.equal(batch.rows, 0, 'take() empties the batch');
});

test('the_writer_thread_stores_the_same_verdicts_as_the_sweep_thread', async (t) => {
  // correlate() writes on its own connection (one transaction); the thread, outside any, must
  // store the very same rows
  const db = await ingestedSample(t, 'timing');
  const all = () => db.prepare('SELECT * FROM request_verdicts ORDER BY access_id').all() as VerdictRow[];
  correlate(db, { fromMs: null });
  const sweep = all();
  assert.ok(sweep.length > 100);
  db.exec('DELETE FROM request_verdicts');
  const writer = new VerdictWriter(db, 0);
  for (const r of sweep) writer.add(r);
  assert.equal(writer.finish(), sweep.length);
  assert.deepEqual(all(), sweep);
});

test('a_failing_writer_thread_fails_the_correlation_with_its_error', (t) => {
  const path = join(tempDir(t), 'no-verdicts.db');
  const db = new Database(path);
  t.after(() => db.close());
  db.exec('CREATE TABLE unrelated (x)');
  const writer = new VerdictWriter(db, 0);
  assert.throws(() => {
    for (let i = 1; i <= 20_000; i++) writer.add(row(i));
    writer.finish();
  }, /writing the verdicts failed: no such table: request_verdicts/);
});
