/**
 * Where the sweep's verdict rows go. Since the correlation became one transaction (issue 14:
 * all or nothing), correlate() writes every row on its own connection and the thread below is not
 * started (a second connection cannot write while the correlation holds the write lock); it is kept,
 * tested, for a build-aside design that would give it its own file.
 * There (threadAfterRows Infinity) the rows are not packed at all: they go straight into multi-row
 * INSERTs (row-batch.ts) in the correlation's transaction, which `finish()` completes.
 *
 * What it was for: Inserting a million rows is a quarter of a full correlation,
 * and the sweep's reading and matching the rest: past the first rows the inserts move to a worker
 * thread with its own connection (WAL lets it write beside the sweep's reader), so both run on their
 * own core. The first rows are written here, so a small incremental correlation starts no thread.
 *
 * correlate() stays synchronous: the sweep waits for the thread with Atomics.wait on a shared
 * counter, never on the event loop. At most MAX_IN_FLIGHT batches are queued, which bounds memory
 * when the thread falls behind.
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../open.js';
import { INSERT_VERDICT, VERDICT_COLUMNS } from '../sql/correlation.js';
import { RowBatch } from '../row-batch.js';
import { VerdictBatch, insertVerdicts, type PackedVerdicts } from './verdict-batch.js';
import type { VerdictRow } from './row.js';
import { CONTROL, STATE, type WriterThreadData } from './verdict-writer-protocol.js';

/**
 * Small batches: a batch's strings live until it is posted, and any alive at a scavenge are moved to
 * the old generation. At 5,000 rows that promoted ~2 MiB per batch and cost ~25 MiB of peak RSS.
 */
const BATCH_ROWS = 1_000;
/** Batches queued for the thread at most: ~8 MiB. */
const MAX_IN_FLIGHT = 20;
/** A thread that has not opened its connection by then never will (it failed to load). */
const STARTUP_TIMEOUT_MS = 30_000;

export class VerdictWriter {
  private batch = new VerdictBatch(BATCH_ROWS);
  private insert: Statement | null = null;
  private thread: WriterThread | null = null;
  private written = 0;
  /** Without a thread ever (threadAfterRows Infinity: the correlation's case), rows go straight in, unpacked. */
  private readonly direct: RowBatch | null;

  /** `threadAfterRows`: rows written on this thread before the rest go to a writer thread. */
  constructor(private readonly db: Db, private readonly threadAfterRows: number) {
    this.direct = threadAfterRows === Infinity ? new RowBatch(db, 'request_verdicts', VERDICT_COLUMN_NAMES, 'INSERT OR REPLACE') : null;
  }

  add(row: VerdictRow): void {
    if (this.direct !== null) {
      putVerdict(this.direct, row);
      this.written++;
      return;
    }
    this.batch.add(row);
    if (this.batch.full) this.flush();
  }

  /** Writes what is left and waits until every row is committed. */
  finish(): number {
    if (this.direct !== null) {
      // inside the caller's transaction when there is one: see flush() on why not a nested one
      if (this.db.inTransaction) this.direct.flush();
      else this.db.transaction(() => this.direct!.flush())();
      return this.written;
    }
    this.flush();
    this.thread?.finish();
    this.thread = null;
    return this.written;
  }

  /** After a failed sweep: stop the thread (its uncommitted batch is rolled back). */
  abandon(): void {
    this.thread?.abandon();
    this.thread = null;
  }

  private flush(): void {
    if (this.batch.rows === 0) return;
    const packed = this.batch.take();
    if (this.thread === null && this.written >= this.threadAfterRows) this.thread = new WriterThread(this.db.name);
    if (this.thread !== null) {
      this.thread.post(packed);
    } else {
      const insert = (this.insert ??= this.db.prepare(INSERT_VERDICT));
      // Inside the correlation's own transaction a nested one is a SAVEPOINT, and SQLite then
      // copies every page the batch touches into a statement journal (a temp file) in case it rolls
      // back alone: a sixth of a million-request correlation, for a rollback that never comes alone
      // (a failed insert fails the whole correlation).
      if (this.db.inTransaction) insertVerdicts(insert, packed);
      else this.db.transaction(() => insertVerdicts(insert, packed))();
    }
    this.written += packed.rows;
  }
}

const VERDICT_COLUMN_NAMES: readonly string[] = VERDICT_COLUMNS.map(([name]) => name);

/** One row's values into the batch, in VERDICT_COLUMNS order (checked below), as VerdictBatch.add packs them. */
function putVerdict(b: RowBatch, v: VerdictRow): void {
  const x = b.values;
  let i = b.start();
  x[i++] = v.access_id; x[i++] = v.start_ms; x[i++] = v.end_ms; x[i++] = v.verdict; x[i++] = v.silent;
  x[i++] = v.wasted_work; x[i++] = v.retried; x[i++] = v.stalled; x[i++] = v.keepalive_race; x[i++] = v.app_id;
  x[i++] = v.app_ids; x[i++] = v.app_match; x[i++] = v.app_confidence; x[i++] = v.app_status; x[i++] = v.app_elapsed_ms;
  x[i++] = v.app_pid; x[i++] = v.app_completed; x[i++] = v.app_end_ms; x[i++] = v.worker_event_id; x[i++] = v.worker_pid;
  x[i++] = v.worker_event; x[i++] = v.worker_time_ms; x[i++] = v.error_ids; x[i++] = v.attempts; x[i++] = v.stalled_by;
  x[i++] = v.wasted_ms; x[i++] = v.explanation; x[i++] = v.keepalive_suspect; x[i++] = v.evidence_level; x[i] = v.evidence;
  b.rowDone();
}

// putVerdict lists the fields by hand: a row whose every value names its column must land in order.
(function checkPutVerdictOrder(): void {
  const probe = Object.fromEntries(VERDICT_COLUMN_NAMES.map((name) => [name, name])) as unknown as VerdictRow;
  const values: unknown[] = [];
  putVerdict({ values, start: () => 0, rowDone: () => {} } as unknown as RowBatch, probe);
  const wrong = VERDICT_COLUMN_NAMES.filter((name, i) => values[i] !== name);
  if (wrong.length > 0 || values.length !== VERDICT_COLUMN_NAMES.length) throw new Error(`internal: putVerdict writes ${wrong.join(', ')} out of VERDICT_COLUMNS order`);
})();

class WriterThread {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly port: MessagePort;
  private readonly worker: Worker;

  constructor(dbPath: string) {
    const { port1, port2 } = new MessageChannel();
    const data: WriterThreadData = { dbPath, control: this.control, port: port2 };
    this.worker = new Worker(new URL('./verdict-writer-thread.js', import.meta.url), { workerData: data, transferList: [port2] });
    // The sweep never returns to the event loop while the thread runs; the process must not wait on it either.
    this.worker.unref();
    this.port = port1;
  }

  post(p: PackedVerdicts): void {
    this.waitWhile(() => Atomics.load(this.control, CONTROL.inFlight) >= MAX_IN_FLIGHT);
    Atomics.add(this.control, CONTROL.inFlight, 1);
    this.port.postMessage(p, [p.numbers.buffer]);
  }

  finish(): void {
    this.port.postMessage(null);
    this.waitWhile(() => Atomics.load(this.control, CONTROL.state) !== STATE.done);
    this.port.close();
  }

  abandon(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private waitWhile(busy: () => boolean): void {
    const started = Date.now();
    for (;;) {
      // Read the sequence first: a change after this read makes the wait below return at once.
      const seq = Atomics.load(this.control, CONTROL.seq);
      const state = Atomics.load(this.control, CONTROL.state);
      if (state === STATE.failed) {
        const msg = receiveMessageOnPort(this.port)?.message as { error?: string } | undefined;
        this.abandon();
        throw new Error(`writing the verdicts failed: ${msg?.error ?? 'the writer thread stopped'}`);
      }
      if (!busy()) return;
      if (state === STATE.starting && Date.now() - started > STARTUP_TIMEOUT_MS) {
        this.abandon();
        throw new Error('writing the verdicts failed: the writer thread did not start');
      }
      Atomics.wait(this.control, CONTROL.seq, seq, 1_000);
    }
  }
}
