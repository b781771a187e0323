/**
 * Where the sweep's verdict rows go. Since the correlation became one transaction (issue 14:
 * all or nothing), correlate() writes every row on its own connection and the thread below is not
 * started (a second connection cannot write while the correlation holds the write lock); it is kept,
 * tested, for a build-aside design that would give it its own file.
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
import { INSERT_VERDICT } from '../sql/correlation.js';
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

  /** `threadAfterRows`: rows written on this thread before the rest go to a writer thread. */
  constructor(private readonly db: Db, private readonly threadAfterRows: number) {}

  add(row: VerdictRow): void {
    this.batch.add(row);
    if (this.batch.full) this.flush();
  }

  /** Writes what is left and waits until every row is committed. */
  finish(): number {
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
      this.db.transaction(() => insertVerdicts(insert, packed))();
    }
    this.written += packed.rows;
  }
}

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
