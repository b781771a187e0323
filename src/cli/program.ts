/**
 * The command tree: each command is registered from src/cli/commands/, which maps its flags to calls
 * into the library (src/ outside cli/, the public part re-exported by src/index.ts), so tests can call
 * the same functions without a process.
 *
 * A command line names one command: only that command's module is loaded (each pulls in its part of
 * the library), so `droptrace ingest` does not first load the report, audit, probe and export code.
 * Help, a mistyped command or no command load them all, for the full list.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliIO } from './io.js';

type Register = (program: Command, io: CliIO) => void;

/** Every command module, in the order `--help` lists them, with the command names it registers. */
const COMMAND_MODULES: readonly { readonly names: readonly string[]; readonly load: () => Promise<Register> }[] = [
  { names: ['ingest'], load: async () => (await import('./commands/ingest.js')).registerIngestCommand },
  { names: ['query'], load: async () => (await import('./commands/query.js')).registerQueryCommand },
  { names: ['requests', 'trace', 'correlate'], load: async () => (await import('./commands/requests.js')).registerRequestsCommands },
  { names: ['analyze'], load: async () => (await import('./commands/analyze.js')).registerAnalyzeCommand },
  { names: ['report'], load: async () => (await import('./commands/report.js')).registerReportCommand },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommand },
  { names: ['probe'], load: async () => (await import('./commands/probe.js')).registerProbeCommand },
  { names: ['export'], load: async () => (await import('./commands/export.js')).registerExportCommand },
];

export const COMMAND_NAMES: readonly string[] = COMMAND_MODULES.flatMap((m) => m.names);

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The program for `argv` (the arguments after `droptrace`): with only the module of the command it
 * names, or every command when it names none of them (help, a typo, options only). Without `argv`:
 * every command.
 */
export async function buildProgram(io: CliIO, argv?: readonly string[]): Promise<Command> {
  const program = new Command('droptrace')
    .description('Find the requests a web stack silently lost: nginx, gunicorn/uvicorn and app logs, correlated.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride();
  // the program has no options of its own but --help/--version, so the first word is the command
  const named = argv?.[0];
  const one = COMMAND_MODULES.find((m) => named !== undefined && m.names.includes(named));
  const modules = one ? [one] : COMMAND_MODULES;
  const registers = await Promise.all(modules.map((m) => m.load()));
  for (const register of registers) register(program, io);
  return program;
}
