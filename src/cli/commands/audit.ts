/** `droptrace audit`: flags → runAudit → renderAudit. Exit 0 even with findings; 2 for usage, 1 for a config nginx would reject. */
import { Command, Option } from 'commander';
import { EXIT, useColor, type CliIO } from '../io.js';
import { UsageError } from '../../errors.js';
import { runAudit, renderAudit, type AuditFormat } from '../../audit/index.js';
import { chainSnapshotRows } from '../../audit/snapshot.js';
import { saveChainSnapshot } from '../../chain-history.js';
import { withStore } from '../shared.js';
import { parseTimeArg } from '../../domain/time-arg.js';
import { localZone } from '../../domain/time.js';

interface AuditFlags {
  nginxConf?: string;
  gunicornConf?: string;
  cmd?: string;
  lbIdleTimeout?: string;
  clientTimeout?: string;
  format: AuditFormat;
  db?: string;
  at?: string;
}

/** The process as a CliIO, for callers that register without one. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    setExitCode: (code) => {
      if (code > Number(process.exitCode ?? 0)) process.exitCode = code;
    },
  };
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function addAuditInputOptions(cmd: Command): Command {
  return cmd
    .option('--nginx-conf <file>', 'nginx.conf (includes are followed), a saved `nginx -T` output, or - to read `nginx -T` from stdin')
    .option('--gunicorn-conf <file>', 'gunicorn.conf.py')
    .option('--cmd <command>', 'the gunicorn/uvicorn command line, or a Dockerfile / compose file / Procfile / systemd unit that starts it')
    .option('--lb-idle-timeout <dur>', "the load balancer's idle timeout (nginx time syntax: 60, 60s, 1m)");
}

export function registerAuditCommand(program: Command, io: CliIO = processIO()): void {
  addAuditInputOptions(program.command('audit').description("audit the timeout chain: which layer's clock fires first, per nginx location"))
    .option('--client-timeout <dur>', "the client's own timeout")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--db <file>', 'also save the effective chain, with the time, into this database: reports then name the directive behind each timeout fingerprint and list changes between snapshots')
    .option('--at <time>', 'with --db: when these configs were in force (default: now), e.g. the deploy time of an older config')
    .action(async (flags: AuditFlags) => {
      if (flags.at !== undefined && flags.db === undefined) throw new UsageError('--at goes with --db');
      const dump = flags.nginxConf === '-' ? await readAll(io.stdin) : undefined;
      const outcome = runAudit({
        nginxConf: flags.nginxConf === '-' ? undefined : flags.nginxConf,
        nginxDump: dump,
        gunicornConf: flags.gunicornConf,
        cmd: flags.cmd,
        lbIdleTimeout: flags.lbIdleTimeout,
        clientTimeout: flags.clientTimeout,
      });
      if (!outcome.ok) {
        const e = outcome.error;
        const text = `${e.where ? `${e.where}: ` : ''}${e.message}\n  fix: ${e.fix}`;
        if (e.kind === 'usage') throw new UsageError(text);
        io.stderr.write(`error: ${text}\n`);
        io.setExitCode(EXIT.error);
        return;
      }
      io.stdout.write(renderAudit(outcome.result, flags.format, { color: useColor(io) }));
      if (flags.db !== undefined) {
        const takenMs = flags.at !== undefined ? parseTimeArg(flags.at, localZone(), '--at') : Date.now();
        const inputs = [flags.nginxConf && `nginx: ${flags.nginxConf}`, flags.gunicornConf && `gunicorn.conf: ${flags.gunicornConf}`, flags.cmd && `cmd: ${flags.cmd}`].filter(Boolean).join('; ');
        const id = await withStore(flags.db, {}, (db) => saveChainSnapshot(db, chainSnapshotRows(outcome.result), inputs, takenMs));
        io.stderr.write(`saved chain snapshot #${id} (${new Date(takenMs).toISOString()}) to ${flags.db}\n`);
      }
    });
}
