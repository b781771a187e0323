#!/usr/bin/env node
/**
 * The CLI's entry: the process as a CliIO (stdio, env, cwd, exit code) and argv, handed to runCli; the
 * commands write through that CliIO. `process` is also read where only the process has it: audit's
 * processIO (for callers that give no CliIO), probe's SIGINT, the shard child's IPC
 * (src/shard/worker.ts), stdin as openInput's default, and pids in temp-file names.
 */
import { preforkCount, preforkShardWorkers } from '../shard/prefork.js';
import type { CliIO } from './io.js';

// A sharded ingest's shard processes boot while this one loads the CLI (src/shard/prefork.ts).
preforkShardWorkers(preforkCount(process.argv.slice(2)));
const { runCli } = await import('./run.js');

const io: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  setExitCode: (code) => {
    if (code > Number(process.exitCode ?? 0)) process.exitCode = code;
  },
};

// `droptrace requests | head`: the reader left, which is not an error of ours. Without a listener
// the write error is thrown from the stream and printed as a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
  throw err;
});

await runCli(process.argv.slice(2), io);
