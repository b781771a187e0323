/**
 * Runs one command as a child process and measures its wall time and peak RSS. Peak RSS comes from
 * GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child) when it is installed, else
 * from polling /proc/<pid>/status VmHWM every 20 ms (which can miss a spike shorter than that).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  readonly ms: number;
  /** Peak resident set size in KiB */
  readonly rssKiB: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

export const rssMethod = (): string => (existsSync(GNU_TIME) ? '/usr/bin/time -f %M' : '/proc/<pid>/status VmHWM polled every 20 ms');

export async function measure(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<Measured> {
  if (existsSync(GNU_TIME)) {
    const dir = mkdtempSync(join(tmpdir(), 'droptrace-time-'));
    const out = join(dir, 'rss');
    try {
      const r = await run(GNU_TIME, ['-f', '%M', '-o', out, cmd, ...args], opts.cwd, null);
      const rss = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
      return { ...r, rssKiB: Number.isFinite(rss) ? rss : 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return run(cmd, args, opts.cwd, 'poll');
}

function run(cmd: string, args: readonly string[], cwd: string | undefined, rss: 'poll' | null): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // keep only the tails: a peer may print a lot
    child.stdout.on('data', (d: Buffer) => { stdout = (stdout + d.toString()).slice(-64 * 1024); });
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-64 * 1024); });
    let peak = 0;
    const timer = rss === 'poll'
      ? setInterval(() => {
          void readFile(`/proc/${child.pid}/status`, 'utf8').then((s) => {
            const m = /VmHWM:\s+(\d+) kB/.exec(s);
            if (m) peak = Math.max(peak, Number(m[1]));
          }, () => {});
        }, 20)
      : null;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({ ms, rssKiB: peak, exitCode: code ?? -1, stdout, stderr });
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs a command `runs` times (after `fresh()` each time), saying each run's time on stderr; a non-zero exit throws. */
export async function repeat(runs: number, fresh: () => void, cmd: string, args: string[], what: string): Promise<{ ms: number; rssKiB: number; last: Measured }> {
  const ms: number[] = [];
  const rss: number[] = [];
  let last: Measured | null = null;
  for (let r = 0; r < runs; r++) {
    fresh();
    last = await measure(cmd, args);
    if (last.exitCode !== 0) throw new Error(`${what} exited ${last.exitCode}: ${last.stderr.slice(-2000)}`);
    ms.push(last.ms);
    rss.push(last.rssKiB);
    process.stderr.write(`  ${what}: run ${r + 1}/${runs} ${(last.ms / 1000).toFixed(2)} s, ${(last.rssKiB / 1024).toFixed(0)} MiB\n`);
  }
  return { ms: median(ms), rssKiB: median(rss), last: last! };
}
