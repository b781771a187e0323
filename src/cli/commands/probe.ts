/**
 * `droptrace probe <url-with-{s}>`: flags → runProbe with the real HTTP GET and clock. Ctrl-C aborts
 * the request in flight and prints what is known; progress goes to stderr only on a terminal. With
 * --expect-* it is a gate: an expectation the live chain does not meet is printed on stderr, exit 3.
 */
import { Command } from 'commander';
import { EXIT, type CliIO } from '../io.js';
import { UsageError } from '../../domain/errors.js';
import { runProbe, renderProbeJson, renderProbeText, realProbeDeps, describeExpectation, DEFAULT_MAX_BODY_BYTES } from '../../probe/index.js';
import { durationSetting } from '../../audit/index.js';
import { addAuditInputOptions, readAll, type AuditInputFlags } from './audit.js';

interface ProbeFlags extends AuditInputFlags {
  precision: string;
  max: string;
  maxRequests: string;
  clientTimeout?: string;
  start: string;
  json?: boolean;
  maxBody: string;
  expectAtLeast?: string;
  expectDropBy?: string;
}

function seconds(text: string, flag: string): number {
  const d = durationSetting(text, flag);
  if (!d.ok || d.value.seconds === null) throw new UsageError(d.ok ? `${flag}: not a duration` : d.reason);
  return d.value.seconds;
}

export function registerProbeCommand(program: Command, io: CliIO): void {
  addAuditInputOptions(
    program
      .command('probe')
      .description('find the second at which a slow route stops answering (sequential requests to a route that waits {s} seconds)')
      .argument('<url>', 'URL with {s} where the wait goes, e.g. "http://127.0.0.1:8080/slow?seconds={s}"'),
  )
    .option('--precision <dur>', 'stop bisecting when the bracket is this narrow', '0.5')
    .option('--max <dur>', 'longest wait to try', '120')
    .option('--start <dur>', 'first wait to try (must succeed)', '1')
    .option('--max-requests <n>', 'never send more requests than this', '30')
    .option('--client-timeout <dur>', "the probe's own timeout per request (default: --max + 10s)")
    .option('--max-body <bytes>', 'read at most this much of each response body, discarding it (an endless body must not fill memory)', String(DEFAULT_MAX_BODY_BYTES))
    .option('--expect-at-least <dur>', 'gate: a request that waits this long must still be answered, else exit 3 (no search)')
    .option('--expect-drop-by <dur>', "gate: a longer wait must be cut by the stack (a 5xx, a closed connection) by then, not answered late or left hanging, else exit 3")
    .option('--json', 'print one JSON object')
    .action(async (url: string, flags: ProbeFlags) => {
      const max = seconds(flags.max, '--max');
      const ctl = new AbortController();
      const onSigint = (): void => ctl.abort();
      process.once('SIGINT', onSigint);
      const deps = realProbeDeps();
      try {
        const outcome = await runProbe(
          {
            url,
            precision: seconds(flags.precision, '--precision'),
            max,
            start: seconds(flags.start, '--start'),
            maxRequests: Number(flags.maxRequests),
            clientTimeout: flags.clientTimeout === undefined ? undefined : seconds(flags.clientTimeout, '--client-timeout'),
            maxBodyBytes: Number(flags.maxBody),
            expect: {
              atLeast: flags.expectAtLeast === undefined ? undefined : seconds(flags.expectAtLeast, '--expect-at-least'),
              dropBy: flags.expectDropBy === undefined ? undefined : seconds(flags.expectDropBy, '--expect-drop-by'),
            },
            audit: {
              nginxConf: flags.nginxConf === '-' ? undefined : flags.nginxConf,
              nginxDump: flags.nginxConf === '-' ? await readAll(io.stdin) : undefined,
              gunicornConf: flags.gunicornConf,
              cmd: flags.cmd,
              lbIdleTimeout: flags.lbIdleTimeout,
              lbProvider: flags.lbProvider,
              haproxyConf: flags.haproxyConf,
            },
            signal: ctl.signal,
            onProgress: io.stderr.isTTY === true && flags.json !== true ? (line) => void io.stderr.write(`${line}\n`) : undefined,
          },
          deps,
        );
        if (!outcome.ok) {
          const text = `${outcome.message}\n  fix: ${outcome.fix}`;
          if (outcome.kind === 'usage') throw new UsageError(text);
          io.stderr.write(`error: ${text}\n`);
          io.setExitCode(EXIT.error);
          return;
        }
        io.stdout.write(flags.json === true ? renderProbeJson(outcome.result) : renderProbeText(outcome.result));
        for (const e of outcome.result.expectations) {
          if (e.met) continue;
          io.stderr.write(`${describeExpectation(e)}\n`);
          io.setExitCode(EXIT.failOn);
        }
        if (outcome.result.stopped === 'interrupted') io.setExitCode(130);
        // nothing answered at all (a wrong URL, nothing listening): there was nothing to measure
        if (outcome.result.stopped === 'fails-at-start') io.setExitCode(EXIT.error);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
