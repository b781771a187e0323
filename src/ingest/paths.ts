/**
 * Input arguments → the list of inputs to read: files as given, directories walked for log files,
 * globs expanded (for when the shell did not: a quoted pattern, a cron line), `-` for stdin.
 * Unreadable arguments are returned as problems, not thrown: the other inputs still get ingested.
 * Symbolic links are followed (Kubernetes' /var/log/containers/*.log are links into /var/log/pods),
 * each directory walked once by its real path, so a link back up the tree cannot loop.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';

export interface ExpandedPaths {
  readonly inputs: string[];
  readonly problems: { readonly path: string; readonly reason: string }[];
}

/**
 * What counts as a log file inside a directory: the names logrotate, nginx, gunicorn and container
 * exports produce (access.log, access.log.1, access.log.2.gz, error_log, app.ndjson, gunicorn.err).
 * A directory of logs often holds a README or configs beside them; those are not read.
 */
const LOG_FILE_NAME = /(?:\.(?:log|ndjson|jsonl|out|err|stderr)|[._-]log)(?:\.\d+)?(?:\.gz)?$|\.log\.\d+$|\.\d+\.gz$/i;

export function isLogFileName(name: string): boolean {
  return LOG_FILE_NAME.test(name);
}

export async function expandPaths(args: readonly string[]): Promise<ExpandedPaths> {
  const inputs: string[] = [];
  const problems: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      inputs.push(p);
    }
  };
  for (const arg of args) {
    if (arg === '-') {
      add('-');
      continue;
    }
    if (hasGlob(arg)) {
      const matches = await expandGlob(arg);
      if (matches.length === 0) problems.push({ path: arg, reason: 'the pattern matches no file' });
      for (const m of matches) add(m);
      continue;
    }
    let st;
    try {
      st = await fsp.stat(arg);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ path: arg, reason: code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message });
      continue;
    }
    if (st.isDirectory()) {
      const found = await walkLogFiles(arg);
      if (found.length === 0) problems.push({ path: arg, reason: 'the directory holds no log file (*.log, *.log.N, *.gz, *.ndjson …)' });
      for (const f of found) add(f);
    } else {
      add(arg);
    }
  }
  return { inputs, problems };
}

async function walkLogFiles(dir: string, visited = new Set<string>()): Promise<string[]> {
  const out: string[] = [];
  const real = await fsp.realpath(dir).catch(() => dir);
  if (visited.has(real)) return out; // a link back to a directory already walked
  visited.add(real);
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    const kind = await kindOf(e, p);
    if (kind === 'dir') out.push(...(await walkLogFiles(p, visited)));
    else if (kind === 'file' && isLogFileName(e.name)) out.push(p);
  }
  return out;
}

/** A directory entry's kind, through a symbolic link; a dangling link is neither. */
async function kindOf(e: Dirent, path: string): Promise<'dir' | 'file' | null> {
  if (e.isDirectory()) return 'dir';
  if (e.isFile()) return 'file';
  if (!e.isSymbolicLink()) return null;
  try {
    const st = await fsp.stat(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

const hasGlob = (p: string) => /[*?[]/.test(p);

/** `*`, `?`, `[abc]` within a path segment, `**` for any depth. */
async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]+/);
  const absolute = pattern.startsWith('/');
  const out: string[] = [];
  // Real paths of the directories a `**` has descended into: a link back up the tree is walked once.
  const descended = new Set<string>();
  async function walk(base: string, i: number): Promise<void> {
    if (i === parts.length) {
      out.push(base);
      return;
    }
    const part = parts[i]!;
    if (part === '' && i === 0) return walk(absolute ? sep : '.', i + 1);
    if (!hasGlob(part)) {
      const next = base === '.' && i === 0 ? part : join(base, part);
      try {
        await fsp.stat(next);
        return walk(next, i + 1);
      } catch {
        return;
      }
    }
    let entries;
    try {
      entries = await fsp.readdir(base, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    if (part === '**') {
      const key = `${i}\u0000${await fsp.realpath(base).catch(() => base)}`;
      if (descended.has(key)) return;
      descended.add(key);
      await walk(base, i + 1);
      for (const e of entries) {
        if (!e.name.startsWith('.') && (await kindOf(e, join(base, e.name))) === 'dir') await walk(join(base, e.name), i);
      }
      return;
    }
    const re = globSegmentToRegExp(part);
    for (const e of entries) {
      if (!re.test(e.name)) continue;
      const next = join(base, e.name);
      const kind = await kindOf(e, next);
      if (i === parts.length - 1) {
        if (kind === 'file') out.push(next);
      } else if (kind === 'dir') await walk(next, i + 1);
    }
  }
  await walk(absolute ? sep : '.', absolute ? 1 : 0);
  return [...new Set(out)];
}

export function globSegmentToRegExp(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close === -1) re += '\\[';
      else {
        re += '[' + seg.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}
