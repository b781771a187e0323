/**
 * Starting and stopping the real servers of a run. Every child gets its own process group, so one
 * signal reaches gunicorn's master and its workers; the registry kills whatever is left on exit, on
 * Ctrl-C and on a crash of the driver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const PYTHON = '/usr/bin/python3';
export const GUNICORN = '/usr/bin/gunicorn';
export const NGINX = '/usr/sbin/nginx';

const live = new Set<ChildProcess>();
let handlersInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  signalled.add(child);
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Set once the driver is told to stop: no new server may start after that. */
let stopping = false;

/** Kills every child still running (also those started while waiting): SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 3000): Promise<void> {
  const deadline = Date.now() + graceMs;
  for (const child of live) killGroup(child, 'SIGTERM');
  while (Date.now() < deadline && [...live].some((c) => c.exitCode === null && c.signalCode === null)) {
    await sleep(50);
    for (const child of live) if (child.spawnargs.length > 0 && !signalled.has(child)) killGroup(child, 'SIGTERM');
  }
  for (const child of live) killGroup(child, 'SIGKILL');
}

const signalled = new WeakSet<ChildProcess>();

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort when the driver exits without stopAll(): synchronous, so only SIGKILL is possible.
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopping = true;
      process.stderr.write(`\nstack: ${signal}, stopping nginx and gunicorn\n`);
      void stopAll(1500).finally(() => process.exit(130));
    });
  }
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) */
  readonly exited: Promise<number | string>;
}

export interface SpawnInput {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr both go to this file, appended, as a service manager would do */
  readonly logFile: string;
}

export function spawnLogged(input: SpawnInput): Spawned {
  installHandlers();
  if (stopping) throw new Error(`not starting ${input.command}: the harness is stopping`);
  const fd = openSync(input.logFile, 'a');
  const child = spawn(input.command, [...input.args], {
    cwd: input.cwd,
    env: input.env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${input.command}`);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      live.delete(child);
      resolve(`error: ${err.message}`);
    });
  });
  return { child, pid: child.pid, exited };
}

/** Sends `signal` to the child's process group and waits for the child to exit. */
export async function stopGroup(spawned: Spawned, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  killGroup(spawned.child, signal);
  const timedOut = await Promise.race([spawned.exited.then(() => false), sleep(timeoutMs).then(() => true)]);
  if (timedOut) {
    killGroup(spawned.child, 'SIGKILL');
    await spawned.exited;
  }
}

/** A port nobody listens on right now (the kernel picks it; a race with another process is possible but rare). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits until the file holds at least `count` lines that contain `needle`. */
export async function waitForLines(file: string, needle: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(needle)).length : 0;
    if (seen >= count) return;
    if (Date.now() > deadline) throw new Error(`${file}: ${seen} of ${count} lines with "${needle}" after ${timeoutMs} ms`);
    await sleep(100);
  }
}
