/**
 * `droptrace audit`: flags → runAudit → renderAudit, then the gate (--fail-on, --baseline) → exit 3.
 * Exit 0 with findings when no gate is asked; 2 for usage, 1 for a config nginx would reject or a
 * baseline that cannot be read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { EXIT, useColor, type CliIO } from '../io.js';
import { UsageError } from '../../domain/errors.js';
import { LB_PROVIDERS, type LbProvider } from '../../audit/haproxy-conf.js';
import { runAudit, renderAudit, type AuditFormat } from '../../audit/index.js';
import { chainSnapshotRows } from '../../audit/snapshot.js';
import { parseAuditFailOn, type AuditFailOn } from '../../audit/fail-on.js';
import { parseBaselineJson } from '../../audit/baseline.js';
import { evaluateGate, parseBaselineRef, type Baseline, type BaselineRef } from '../../audit/gate.js';
import { loadChainSnapshot, saveChainSnapshot, saveChainSnapshots } from '../../audit/snapshot-store.js';
import { isShardDirectory, listShards } from '../../shard/shard-file.js';
import { waitFrom, waitOption, withStore } from '../shared.js';
import { StoreError } from '../../store/open.js';
import { parseTimeArg } from '../../domain/time-arg.js';
import { localZone } from '../../domain/time.js';
import { isoUtc } from '../../domain/units.js';

interface AuditFlags extends AuditInputFlags {
  clientTimeout?: string;
  format: AuditFormat;
  db?: string;
  at?: string;
  failOn?: string[];
  baseline?: string;
  writeBaseline?: string;
  wait?: string;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The options addAuditInputOptions adds, as commander hands them over. */
export interface AuditInputFlags {
  nginxConf?: string;
  gunicornConf?: string;
  cmd?: string;
  lbIdleTimeout?: string;
  lbProvider?: LbProvider;
  haproxyConf?: string;
}

export function addAuditInputOptions(cmd: Command): Command {
  return cmd
    .option('--nginx-conf <file>', 'nginx.conf (includes are followed), a saved `nginx -T` output, or - to read `nginx -T` from stdin')
    .option('--gunicorn-conf <file>', 'gunicorn.conf.py')
    .option('--cmd <command>', 'the gunicorn/uvicorn command line, or a Dockerfile / compose file / Procfile / systemd unit that starts it')
    .option('--lb-idle-timeout <dur>', "the load balancer's idle timeout (nginx time syntax: 60, 60s, 1m)")
    .addOption(new Option('--lb-provider <provider>', "the load balancer in front: its default idle timeout when --lb-idle-timeout is not given (alb/elb 60s, gcp 30s, cloudflare 100s; haproxy reads --haproxy-conf)").choices([...LB_PROVIDERS]))
    .option('--haproxy-conf <file>', "haproxy.cfg of the HAProxy in front of nginx: its timeouts per defaults/frontend/backend");
}

export function registerAuditCommand(program: Command, io: CliIO): void {
  waitOption(addAuditInputOptions(program.command('audit').description("audit the timeout chain: which layer's clock fires first, per nginx location"))
    .option('--client-timeout <dur>', "the client's own timeout")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--db <file>', 'also save the effective chain, with the time, into this database (a directory of shards: into each of them): reports then name the directive behind each timeout fingerprint and list changes between snapshots')
    .option('--at <time>', 'with --db: when these configs were in force (default: now), e.g. the deploy time of an older config')
    // one value (or a comma list) per use, as report's --fail-on
    .option('--fail-on <rule-or-severity>', 'exit 3 when a finding reaches this severity (error, warn, info) or this rule fires; repeatable', (v: string, vs: string[] = []) => [...vs, v])
    .option('--baseline <file|db:latest|db:N>', 'exit 3 when a clock differs from this saved chain: an earlier `audit --format json` output (see --write-baseline), or a snapshot in --db')
    .option('--write-baseline <file>', 'save this effective chain (the --format json output) as a baseline for a later --baseline'))
    .action(async (flags: AuditFlags) => {
      if (flags.at !== undefined && flags.db === undefined) throw new UsageError('--at goes with --db');
      const shards = flags.db !== undefined && isShardDirectory(flags.db) ? listShards(flags.db) : null;
      if (shards !== null && shards.length === 0) throw new StoreError(`no shard database in ${flags.db}: run \`droptrace ingest --db ${flags.db} …\` first`, 'open-failed');
      const failOn = parseFailOn(flags.failOn ?? []);
      const ref = flags.baseline === undefined ? null : parseRef(flags.baseline, flags.db);
      if (flags.writeBaseline !== undefined) refuseOverwrite(flags.writeBaseline, flags, io.cwd);
      const baseline = ref === null ? null : await readBaseline(ref, flags.db as string, io.cwd);
      if (baseline !== null && !baseline.ok) {
        io.stderr.write(`error: ${baseline.error}\n`);
        io.setExitCode(EXIT.error);
        return;
      }
      const dump = flags.nginxConf === '-' ? await readAll(io.stdin) : undefined;
      const outcome = runAudit({
        nginxConf: flags.nginxConf === '-' ? undefined : flags.nginxConf,
        nginxDump: dump,
        gunicornConf: flags.gunicornConf,
        cmd: flags.cmd,
        lbIdleTimeout: flags.lbIdleTimeout,
        lbProvider: flags.lbProvider,
        haproxyConf: flags.haproxyConf,
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
      const gate = evaluateGate(outcome.result, failOn, baseline?.value ?? null);
      for (const m of gate.messages) io.stderr.write(`${m}\n`);
      if (gate.failed) io.setExitCode(EXIT.failOn);
      if (flags.writeBaseline !== undefined) {
        writeFileSync(resolve(io.cwd, flags.writeBaseline), renderAudit(outcome.result, 'json'));
        io.stderr.write(`wrote the chain to ${flags.writeBaseline}: use it with --baseline ${flags.writeBaseline}\n`);
      }
      if (flags.db !== undefined && gate.failed) {
        // a snapshot records the configs in force; a config the gate stopped did not ship (and a
        // saved one would become the next `--baseline db:latest`, passing the same change on a re-run)
        io.stderr.write(`chain snapshot not saved to ${flags.db}: the gate failed. Run again without --fail-on/--baseline to record this chain as deployed.\n`);
      } else if (flags.db !== undefined) {
        const takenMs = flags.at !== undefined ? parseTimeArg(flags.at, localZone(), '--at') : Date.now();
        const inputs = [flags.nginxConf && `nginx: ${flags.nginxConf}`, flags.gunicornConf && `gunicorn.conf: ${flags.gunicornConf}`, flags.cmd && `cmd: ${flags.cmd}`].filter(Boolean).join('; ');
        if (shards !== null) {
          // a directory of shards: the same snapshot in each, which the fleet report keeps once
          const n = saveChainSnapshots(shards.map((s) => s.db), chainSnapshotRows(outcome.result), inputs, takenMs, waitFrom(flags, io));
          io.stderr.write(`saved the chain snapshot (${isoUtc(takenMs)}) to the ${n} shard(s) of ${flags.db}\n`);
          return;
        }
        const id = await withStore(flags.db, { wait: waitFrom(flags, io) }, (db) => saveChainSnapshot(db, chainSnapshotRows(outcome.result), inputs, takenMs));
        io.stderr.write(`saved chain snapshot #${id} (${isoUtc(takenMs)}) to ${flags.db}\n`);
      }
    });
}

function parseFailOn(texts: readonly string[]): AuditFailOn[] {
  return texts.flatMap((t) => t.split(',')).filter((t) => t.trim() !== '').map((t) => {
    const r = parseAuditFailOn(t);
    if (!r.ok) throw new UsageError(r.error);
    return r.value;
  });
}

function parseRef(text: string, db: string | undefined): BaselineRef {
  const r = parseBaselineRef(text);
  if (!r.ok) throw new UsageError(r.error);
  if (r.value.kind === 'db' && db !== undefined && isShardDirectory(db)) throw new UsageError(`--baseline ${text} reads one database's snapshot, and ${db} is a directory of shards: give a baseline file (--write-baseline), or one shard's --db`);
  if (r.value.kind === 'db' && db === undefined) throw new UsageError(`--baseline ${text} reads a snapshot from --db: give --db FILE (or a baseline file)`);
  return r.value;
}

/** --write-baseline must not replace an input: the database, or a config this audit reads. */
function refuseOverwrite(out: string, flags: AuditFlags, cwd: string): void {
  const target = resolve(cwd, out);
  for (const [flag, path] of [['--db', flags.db], ['--nginx-conf', flags.nginxConf], ['--gunicorn-conf', flags.gunicornConf], ['--cmd', flags.cmd]] as const) {
    if (path !== undefined && path !== '-' && resolve(cwd, path) === target) throw new UsageError(`--write-baseline ${out} would overwrite ${flag}: write the baseline to its own file`);
  }
}

async function readBaseline(ref: BaselineRef, db: string, cwd: string): Promise<{ ok: true; value: Baseline } | { ok: false; error: string }> {
  if (ref.kind === 'db') {
    const snap = await withStore(db, { readonly: true }, (d) => loadChainSnapshot(d, ref.snapshot));
    if (snap === null) {
      const which = ref.snapshot === 'latest' ? 'no chain snapshot' : `no chain snapshot #${ref.snapshot}`;
      return { ok: false, error: `--baseline db:${ref.snapshot}: ${db} has ${which}\n  fix: save one with \`droptrace audit … --db ${db}\` (without --baseline) from the deployed config` };
    }
    return { ok: true, value: { label: `snapshot #${snap.id} of ${db} (${isoUtc(snap.taken_ms)}, ${snap.inputs})`, rows: snap.rows } };
  }
  let text: string;
  try {
    text = readFileSync(resolve(cwd, ref.path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'ENOENT' ? `save the deployed chain first: droptrace audit … --write-baseline ${ref.path}` : 'check the path and its permissions';
    return { ok: false, error: `--baseline ${ref.path}: cannot read it (${code ?? (err as Error).message})\n  fix: ${fix}` };
  }
  const parsed = parseBaselineJson(text);
  if (!parsed.ok) return { ok: false, error: `--baseline ${ref.path}: ${parsed.reason}\n  fix: write it with droptrace audit … --write-baseline ${ref.path} (or --format json)` };
  return { ok: true, value: { label: ref.path, rows: parsed.rows } };
}
