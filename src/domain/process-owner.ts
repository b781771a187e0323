/**
 * Which process on which host owns a scratch file or directory: its name carries `<host>-<pid>`, so
 * a later run can tell what a killed run left (its owner is gone) from what a live one is using.
 * The host too: many machines (or pods, whose pids repeat) may share one directory, and a process
 * of another host is not ours to judge.
 */
import { hostname } from 'node:os';

/** This host's name as it goes into a file name. */
export function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_');
}

/** Whether a process of this host with this pid runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
