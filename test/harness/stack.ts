/**
 * Runs the real stack — nginx in front of gunicorn's UvicornWorkers serving the FastAPI app in
 * test/harness/app — drives failing traffic through it and records logs, configs and ground truth:
 *
 *   npm run stack -- <outdir> [--profile combined|timing|json|zone] [--seconds N] [--clients N]
 *                             [--rate R] [--tz ZONE] [--only EVENT,…]
 *
 * Leaves <outdir>/logs (what droptrace reads), <outdir>/conf (what the audit reads) and
 * <outdir>/truth (what droptrace must never read: the answers).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from './client.js';
import { BackgroundTraffic } from './background.js';
import { renderNginxConf, DEFAULT_TIMEOUTS, type StackTimeouts } from './nginx-conf.js';
import { PROFILES, isProfileName, type Profile, type ProfileName } from './profiles.js';
import {
  GUNICORN, NGINX, PYTHON, freePort, spawnLogged, stopAll, stopGroup, waitForPort, type Spawned,
} from './processes.js';
import { CONCURRENT_SCENARIOS, SERIAL_SCENARIOS, type Scenario, type ScenarioContext, type ScriptedEventRecord } from './scenarios.js';
import { buildTruth, countLabels, parseAppEvents, type Label, type RequestTruth, type Window } from './truth.js';
import { repoRoot } from '../support/repo-root.js';

/** The repository root with a trailing slash (make-samples replaces it, slash included, in recorded files). */
export const REPO_ROOT = `${repoRoot()}/`;
export const APP_DIR = join(REPO_ROOT, 'test', 'harness', 'app');

export interface StackOptions {
  readonly outDir: string;
  readonly profile: ProfileName;
  /** Minimum length of the run; the scripted events take about 50 s whatever this says */
  readonly seconds: number;
  readonly clients: number;
  /** Requests per second per background client */
  readonly rate: number;
  /** Overrides the profile's TZ */
  readonly tz?: string;
  /** Runs only these scripted events (for working on one); default all */
  readonly only?: readonly string[];
  readonly log?: (message: string) => void;
}

export interface RunSummary {
  readonly profile: ProfileName;
  readonly description: string;
  readonly tz: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly options: { readonly seconds: number; readonly clients: number; readonly rate: number };
  readonly versions: Readonly<Record<string, string>>;
  readonly timeouts: StackTimeouts;
  readonly requests: number;
  readonly labels: Record<Label, number>;
  readonly flags: { readonly wastedWork: number; readonly retried: number; readonly stalled: number };
  readonly events: readonly ScriptedEventRecord[];
  /** Epoch-ms windows when gunicorn was stopped on purpose */
  readonly gunicornDown: readonly Window[];
  /** Scripted requests whose label differs from what the event aimed at (informational) */
  readonly unexpected: readonly { readonly tag: string; readonly expected: Label; readonly label: Label }[];
}

function findVersions(): Record<string, string> {
  const nginx = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  const py = spawnSync(
    PYTHON,
    ['-c', 'import gunicorn, uvicorn, fastapi, starlette, sys; print(gunicorn.__version__, uvicorn.__version__, fastapi.__version__, starlette.__version__, sys.version.split()[0])'],
    { encoding: 'utf8' },
  );
  const [gunicorn = '?', uvicorn = '?', fastapi = '?', starlette = '?', python = '?'] = py.stdout.trim().split(' ');
  return { nginx: (nginx.stderr.split('/')[1] ?? '?').trim(), gunicorn, uvicorn, fastapi, starlette, python };
}

/** Shell-quotes an argument for the recorded command line. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function gunicornArgs(profile: Profile, ports: readonly number[], timeouts: StackTimeouts): string[] {
  return [
    'app:app',
    '--chdir', APP_DIR,
    '-k', 'uvicorn.workers.UvicornWorker',
    '-w', '2',
    ...ports.flatMap((p) => ['-b', `127.0.0.1:${p}`]),
    '--timeout', String(timeouts.workerTimeoutSeconds),
    '--graceful-timeout', String(timeouts.gracefulSeconds),
    '--keep-alive', String(timeouts.upstreamKeepAliveSeconds),
    '--log-level', 'info',
    ...(profile.uvicornAccessLog ? ['--access-logfile', '-'] : []),
  ];
}

export async function runStack(options: StackOptions): Promise<{ summary: RunSummary; truth: RequestTruth[] }> {
  const log = options.log ?? ((m: string) => process.stderr.write(`stack: ${m}\n`));
  const profile = PROFILES[options.profile];
  const tz = options.tz ?? profile.tz;
  const timeouts = DEFAULT_TIMEOUTS;
  const outDir = resolve(options.outDir);
  const dirs = { logs: join(outDir, 'logs'), truth: join(outDir, 'truth'), conf: join(outDir, 'conf'), run: join(outDir, 'run') };
  for (const d of Object.values(dirs)) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  const appEventsFile = join(dirs.truth, 'app-events.ndjson');
  const gunicornLog = join(dirs.logs, 'gunicorn.log');

  const nginxPort = await freePort();
  const upstreamPorts = [await freePort(), await freePort()];
  while (upstreamPorts[1] === upstreamPorts[0] || upstreamPorts.includes(nginxPort)) upstreamPorts[1] = await freePort();

  writeFileSync(
    join(dirs.conf, 'nginx.conf'),
    renderNginxConf({ profile, listenPort: nginxPort, upstreamPorts, timeouts, maxBodyBytes: 1024 }),
  );
  const args = gunicornArgs(profile, upstreamPorts, timeouts);
  const appEnv: Record<string, string> = {
    TZ: tz,
    DT_LOG_FORMAT: profile.pythonLogFormat,
    // "path<TAB>format" per line: more files for the middleware's lines, each in its own layout
    DT_EXTRA_LOGS: (profile.extraPythonLogs ?? []).map((x) => `${join(dirs.logs, x.file)}\t${x.format}`).join('\n'),
    DT_APP_LOG: profile.appNdjson ? join(dirs.logs, 'app.ndjson') : '',
    DT_TRUTH_FILE: appEventsFile,
    DT_SLOW_SECONDS: '1.0',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
  // Recorded with paths relative to the repository (the app) and to the run folder (the rest).
  const relative = (text: string): string => text.split(APP_DIR).join('test/harness/app').split(outDir).join('.');
  writeFileSync(
    join(dirs.conf, 'gunicorn.cmd'),
    [
      '# gunicorn as the harness ran it (cwd: the run folder; the app reads DT_* from the environment)',
      ...Object.entries(appEnv).filter(([k]) => k !== 'DT_TRUTH_FILE').map(([k, v]) => `${k}=${quote(relative(v))} \\`),
      `${GUNICORN} ${args.map((a) => quote(relative(a))).join(' ')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dirs.conf, 'stack.json'),
    JSON.stringify({ profile: profile.name, tz, nginxPort, upstreamPorts, timeouts, workers: 2, slowRequestSeconds: 1.0 }, null, 2) + '\n',
  );

  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...appEnv };
  const countBoots = (sinceMs: number): number =>
    existsSync(appEventsFile)
      ? parseAppEvents(readFileSync(appEventsFile, 'utf8')).filter((e) => e.ev === 'boot' && e.wall >= sinceMs).length
      : 0;
  const waitForBoots = async (count: number, sinceMs: number, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (countBoots(sinceMs) >= count) return true;
      await sleep(100);
    }
    return false;
  };

  let gunicorn: Spawned | null = null;
  const startGunicorn = async (): Promise<void> => {
    const since = Date.now();
    gunicorn = spawnLogged({ command: GUNICORN, args, cwd: outDir, env, logFile: gunicornLog });
    if (!(await waitForBoots(2, since, 20_000))) throw new Error(`gunicorn did not boot 2 workers; see ${gunicornLog}`);
  };
  const gunicornDown: Window[] = [];
  let downFrom = 0;
  const stopGunicorn = async (): Promise<void> => {
    if (!gunicorn) return;
    downFrom = Date.now();
    // SIGTERM to the master only: it closes the listeners and lets workers finish (graceful-timeout)
    gunicorn.child.kill('SIGTERM');
    await Promise.race([gunicorn.exited, sleep((timeouts.gracefulSeconds + 3) * 1000)]);
    await stopGroup(gunicorn, 'SIGKILL', 1000);
    gunicorn = null;
  };

  const startedAt = new Date();
  log(`profile ${profile.name} (TZ ${tz}), nginx 127.0.0.1:${nginxPort} → gunicorn ${upstreamPorts.join(', ')}, out ${outDir}`);
  const versions = findVersions();
  const client = new Client(nginxPort);
  const expected = new Map<string, Label>();
  const background = new BackgroundTraffic(client, options.clients, options.rate);
  const events: Omit<ScriptedEventRecord, 'happened' | 'why'>[] = [];
  const killedPids = new Set<number>();
  let nginx: Spawned | null = null;
  try {
    await startGunicorn();
    nginx = spawnLogged({
      command: NGINX,
      args: ['-p', `${outDir}/`, '-c', 'conf/nginx.conf', '-e', 'stderr'],
      cwd: outDir,
      env: { PATH: env.PATH, TZ: tz },
      logFile: join(dirs.run, 'nginx.stderr'),
    });
    await waitForPort(nginxPort, 10_000);

    const ctx: ScenarioContext = {
      client,
      timeouts,
      log,
      expect: (tag, label) => expected.set(tag, label),
      pauseBackground: () => background.pause(),
      resumeBackground: () => background.resume(),
      stopGunicorn,
      startGunicorn: async () => {
        await startGunicorn();
        gunicornDown.push({ fromMs: downFrom, toMs: Date.now() });
      },
      waitForBoots,
      inFlightPids: (tags) => {
        const wanted = new Set(tags);
        const open = new Map<string, number>();
        for (const e of parseAppEvents(readFileSync(appEventsFile, 'utf8'))) {
          if ((e.ev === 'start' || e.ev === 'finish') && e.tag && wanted.has(e.tag)) {
            if (e.ev === 'start') open.set(e.tag, e.pid);
            else open.delete(e.tag);
          }
        }
        const perPid = new Map<number, number>();
        for (const pid of open.values()) perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
        return [...perPid.entries()].sort((a, b) => b[1] - a[1]).map(([pid]) => pid);
      },
      appStarts: (tag) =>
        parseAppEvents(readFileSync(appEventsFile, 'utf8')).filter((e) => e.ev === 'start' && e.tag === tag).length,
      killWorker: (pid) => {
        killedPids.add(pid);
        process.kill(pid, 'SIGKILL');
      },
    };
    const runOne = async (s: Scenario): Promise<void> => {
      const startMs = Date.now();
      log(`event ${s.name}`);
      const tags = await s.run(ctx);
      events.push({ name: s.name, description: s.description, startMs, endMs: Date.now(), tags });
    };

    background.start();
    await sleep(1500);
    const chosen = (s: Scenario): boolean => !options.only || options.only.includes(s.name);
    await Promise.all(CONCURRENT_SCENARIOS.filter(chosen).map(runOne));
    await sleep(2500); // the 504's second handler is still sleeping: let it finish before workers die
    for (const s of SERIAL_SCENARIOS.filter(chosen)) {
      await runOne(s);
      await sleep(1000);
    }
    const remaining = startedAt.getTime() + options.seconds * 1000 - Date.now();
    if (remaining > 0) await sleep(remaining);
    await background.stop();
    await client.drain();
    await sleep(1500); // handlers of abandoned requests finish after their client is gone
  } finally {
    await background.stop();
    if (nginx) await stopGroup(nginx, 'SIGQUIT', 5000);
    if (gunicorn) await stopGroup(gunicorn, 'SIGTERM', 5000);
    await stopAll();
  }
  const nginxStderr = join(dirs.run, 'nginx.stderr');
  if (existsSync(nginxStderr) && statSync(nginxStderr).size > 0) log(`nginx wrote to stderr: ${readFileSync(nginxStderr, 'utf8').trim()}`);
  rmSync(dirs.run, { recursive: true, force: true });

  const appEvents = parseAppEvents(readFileSync(appEventsFile, 'utf8'));
  const truth = buildTruth(client.results, appEvents, { gunicornDown, expected, blockingPath: '/block', killedPids });
  writeFileSync(join(dirs.truth, 'requests.ndjson'), truth.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const byTag = new Map(truth.map((t) => [t.tag, t]));
  const scenarios = new Map([...CONCURRENT_SCENARIOS, ...SERIAL_SCENARIOS].map((s) => [s.name, s]));
  const checked: ScriptedEventRecord[] = events.map((e) => {
    const mine = e.tags.map((t) => byTag.get(t)).filter((t): t is RequestTruth => t !== undefined);
    const scenario = scenarios.get(e.name);
    const why = scenario ? scenario.check(mine, truth) : 'unknown event';
    return { ...e, happened: why === null, why };
  });
  const summary: RunSummary = {
    profile: profile.name,
    description: profile.description,
    tz,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    options: { seconds: options.seconds, clients: options.clients, rate: options.rate },
    versions,
    timeouts,
    requests: truth.length,
    labels: countLabels(truth),
    flags: {
      wastedWork: truth.filter((t) => t.wastedWork).length,
      retried: truth.filter((t) => t.retried).length,
      stalled: truth.filter((t) => t.stalledBy !== null).length,
    },
    events: checked,
    gunicornDown,
    unexpected: truth
      .filter((t) => t.expected !== null && t.expected !== t.label)
      .map((t) => ({ tag: t.tag, expected: t.expected as Label, label: t.label })),
  };
  writeFileSync(join(dirs.truth, 'summary.json'), toReadableJson(summary) + '\n');
  return { summary, truth };
}

/** Indented JSON with arrays of plain values (tag lists) kept on one line. */
export function toReadableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_, items: string) => `[${items.replace(/,\n\s+/g, ', ')}]`);
}

export function formatSummary(summary: RunSummary): string {
  const labels = Object.entries(summary.labels)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${l}=${n}`)
    .join(' ');
  const events = summary.events.map((e) => `  ${e.happened ? 'ok  ' : 'MISS'} ${e.name}${e.why ? `: ${e.why}` : ''}`);
  return [
    `${summary.profile} (TZ ${summary.tz}): ${summary.requests} requests: ${labels}`,
    `  wasted_work=${summary.flags.wastedWork} retried=${summary.flags.retried} stalled=${summary.flags.stalled}`,
    ...events,
  ].join('\n');
}

export interface ParsedArgs {
  readonly outDir: string;
  readonly profile: ProfileName;
  readonly seconds: number;
  readonly clients: number;
  readonly rate: number;
  readonly tz?: string;
  readonly only?: readonly string[];
}

export function parseStackArgs(argv: readonly string[]): ParsedArgs | string {
  let outDir: string | undefined;
  let profile: ProfileName = 'timing';
  let seconds = 60;
  let clients = 3;
  let rate = 2;
  let tz: string | undefined;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string | undefined => argv[++i];
    if (arg === '--profile') {
      const v = value() ?? '';
      if (!isProfileName(v)) return `unknown profile "${v}": use one of ${Object.keys(PROFILES).join(', ')}`;
      profile = v;
    } else if (arg === '--seconds' || arg === '--clients' || arg === '--rate') {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) return `${arg} needs a number`;
      if (arg === '--seconds') seconds = n;
      else if (arg === '--clients') clients = Math.floor(n);
      else rate = n;
    } else if (arg === '--tz') {
      tz = value();
    } else if (arg === '--only') {
      only = (value() ?? '').split(',').filter(Boolean);
    } else if (arg.startsWith('--')) {
      return `unknown option ${arg}`;
    } else if (outDir === undefined) {
      outDir = arg;
    } else {
      return `unexpected argument ${arg}`;
    }
  }
  if (!outDir) return 'usage: npm run stack -- <outdir> [--profile NAME] [--seconds N] [--clients N] [--rate R] [--tz ZONE] [--only EVENT,…]';
  return { outDir, profile, seconds, clients, rate, ...(tz ? { tz } : {}), ...(only ? { only } : {}) };
}

/** True when this file is the program, not a module loaded by another or by `node --test`. */
export function isMain(metaUrl: string): boolean {
  // `node --test dist/test/` runs every .js under the folder as a test file: do not start a stack there.
  if (process.env['NODE_TEST_CONTEXT'] !== undefined) return false;
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(metaUrl);
}

async function main(): Promise<void> {
  const parsed = parseStackArgs(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n`);
    process.exitCode = 2;
    return;
  }
  const { summary } = await runStack(parsed);
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (summary.events.some((e) => !e.happened)) process.exitCode = 1;
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`stack: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
