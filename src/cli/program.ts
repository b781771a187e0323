/**
 * The command tree: each command is registered from src/cli/commands/, which maps its flags to calls
 * into the library (src/ outside cli/, the public part re-exported by src/index.ts), so tests can call
 * the same functions without a process.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliIO } from './io.js';
import { registerIngestCommand } from './commands/ingest.js';
import { registerQueryCommand } from './commands/query.js';
import { registerRequestsCommands } from './commands/requests.js';
import { registerReportCommand } from './commands/report.js';
import { registerAnalyzeCommand } from './commands/analyze.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerProbeCommand } from './commands/probe.js';
import { registerExportCommand } from './commands/export.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(io: CliIO): Command {
  const program = new Command('droptrace')
    .description('Find the requests a web stack silently lost: nginx, gunicorn/uvicorn and app logs, correlated.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride();
  registerIngestCommand(program, io);
  registerQueryCommand(program, io);
  registerRequestsCommands(program, io);
  registerAnalyzeCommand(program, io);
  registerReportCommand(program, io);
  registerAuditCommand(program, io);
  registerProbeCommand(program, io);
  registerExportCommand(program, io);
  return program;
}
