/** What the sweep and its verdict writer thread share (verdict-writer.ts, verdict-writer-thread.ts). */
import type { MessagePort } from 'node:worker_threads';

/** Slots of the shared Int32Array. The thread bumps `seq` and notifies on it after every change. */
export const CONTROL = { seq: 0, inFlight: 1, state: 2, size: 3 } as const;
export const STATE = { starting: 0, ready: 1, done: 2, failed: 3 } as const;

export interface WriterThreadData {
  readonly dbPath: string;
  readonly control: Int32Array;
  /** Receives PackedVerdicts batches, then null to finish; answers only `{ error }` on failure */
  readonly port: MessagePort;
}
