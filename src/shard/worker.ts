/**
 * The child process a shard runs in (forked by pool.ts): one job in over IPC, progress and the result
 * out. A process per shard rather than a worker thread: correlation already starts a writer thread of
 * its own, a crash (or a kill) takes down only its shard, and the measurement in docs/performance.md
 * found no speed to gain from sharing a process.
 */
import { runShard, type ShardJob } from './run-shard.js';

type Message = { type: 'progress'; key: string; path: string; bytes: number; size: number | null }
  | { type: 'warning'; message: string }
  | { type: 'done'; result: Awaited<ReturnType<typeof runShard>> }
  | { type: 'failed'; message: string };

const send = (m: Message) => new Promise<void>((res) => process.send!(m, () => res()));

process.once('message', (job: ShardJob) => {
  let last = 0;
  runShard(job, (p) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    void send({ type: 'progress', ...p });
  }, (message) => void send({ type: 'warning', message }))
    .then((result) => send({ type: 'done', result }))
    .catch((err: unknown) => send({ type: 'failed', message: (err as Error).message ?? String(err) }))
    .finally(() => process.disconnect());
});
