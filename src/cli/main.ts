#!/usr/bin/env node
/** The only file that touches `process`: argv in, exit code out. */
import { runCli } from './run.js';
import type { CliIO } from './io.js';

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

await runCli(process.argv.slice(2), io);
