/**
 * The verdict writer thread (verdict-writer.ts): inserts each batch the sweep posts in its own
 * transaction, on its own connection, and says how far it got through the shared counter.
 */
import { workerData } from 'node:worker_threads';
import { openWorkerConnection, type Db } from '../open.js';
import { INSERT_VERDICT } from '../sql/correlation.js';
import { insertVerdicts, type PackedVerdicts } from './verdict-batch.js';
import { CONTROL, STATE, type WriterThreadData } from './verdict-writer-protocol.js';

const { dbPath, control, port } = workerData as WriterThreadData;

function signal(state?: number): void {
  if (state !== undefined) Atomics.store(control, CONTROL.state, state);
  Atomics.add(control, CONTROL.seq, 1);
  Atomics.notify(control, CONTROL.seq);
}

let db: Db | null = null;
function fail(err: unknown): void {
  try { db?.close(); } catch { /* the error below is the one to report */ }
  port.postMessage({ error: (err as Error).message ?? String(err) });
  port.close();
  signal(STATE.failed);
}

try {
  const conn = openWorkerConnection(dbPath);
  db = conn;
  const insert = conn.prepare(INSERT_VERDICT);
  const write = conn.transaction((p: PackedVerdicts) => insertVerdicts(insert, p));
  port.on('message', (p: PackedVerdicts | null) => {
    try {
      if (p === null) {
        conn.close();
        port.close();
        signal(STATE.done);
        return;
      }
      write(p);
      Atomics.sub(control, CONTROL.inFlight, 1);
      signal();
    } catch (err) {
      fail(err);
    }
  });
  signal(STATE.ready);
} catch (err) {
  fail(err);
}
