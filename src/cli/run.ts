/** Runs one command line against an IO: the CLI's one error boundary, mapping errors to exit codes. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, type CliIO } from './io.js';
import { UsageError, QueryError } from '../domain/errors.js';
import { stripControls } from '../output/rows.js';
import { StoreError } from '../store/open.js';
import { UnknownZoneError } from '../domain/time.js';
import { outOfMemoryMessage } from '../export/duck.js';

export async function runCli(argv: readonly string[], io: CliIO): Promise<void> {
  try {
    const program = await buildProgram(io, argv);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    io.setExitCode(exitCodeFor(err, io));
  }
}

function exitCodeFor(err: unknown, io: CliIO): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; commander already printed its message.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError || err instanceof UnknownZoneError || ['usage', 'log-format'].includes((err as { code?: string })?.code ?? '')) {
    io.stderr.write(`error: ${stripControls((err as Error).message)}\n`);
    return EXIT.usage;
  }
  if (/^SQLITE_FULL/.test((err as { code?: string })?.code ?? '')) {
    // a correlation or report mark: one transaction, rolled back whole
    io.stderr.write(`error: the disk holding the database is full (SQLite: ${(err as Error).message}): nothing of this run was kept; free space there and run the command again\n`);
    return EXIT.error;
  }
  const outOfMemory = err instanceof Error ? outOfMemoryMessage(err.message) : null;
  if (outOfMemory !== null) {
    io.stderr.write(`error: ${outOfMemory}\n`);
    return EXIT.error;
  }
  if (err instanceof StoreError || err instanceof QueryError || err instanceof Error) {
    io.stderr.write(`error: ${stripControls((err as Error).message)}\n`);
    if (io.env.DROPTRACE_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return EXIT.error;
  }
  io.stderr.write(`error: ${stripControls(String(err))}\n`);
  return EXIT.error;
}

