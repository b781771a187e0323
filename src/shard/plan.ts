/**
 * Which shards a run has: each directory argument is one stack named after the directory, or a
 * manifest maps paths to stacks; with a window, each stack's window (cut into --split pieces) is a
 * shard of its own. Each shard gets its own SQLite file in the --db directory.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../domain/errors.js';
import type { ShardWindow } from './window.js';
import { isoUtc } from '../domain/units.js';

export interface Stack {
  readonly name: string;
  readonly paths: readonly string[];
}

export interface Shard {
  /** file-name safe: the stack, and the window's start when there is one (web-07~20261204T000000Z) */
  readonly key: string;
  readonly stack: string;
  readonly paths: readonly string[];
  readonly window: ShardWindow | null;
  /** the shard's SQLite file */
  readonly db: string;
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkStackName(name: string, where: string): string {
  if (!STACK_NAME.test(name)) throw new UsageError(`${where}: stack name "${name}" must be letters, digits, '.', '_' or '-' (it names files and dataset partitions)`);
  return name;
}

/** Each argument a directory, one stack per directory, named after it. */
export function stacksFromDirectories(paths: readonly string[]): Stack[] {
  const stacks = new Map<string, string[]>();
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`${p}: no such directory (with --db DIR every argument is one stack's log directory, or pass --manifest)`);
    }
    if (!isDir) throw new UsageError(`${p} is not a directory: with --db DIR each argument is one stack's log directory; map files to stacks with --manifest`);
    const name = checkStackName(basename(resolve(p)), p);
    stacks.set(name, [...(stacks.get(name) ?? []), p]);
  }
  return [...stacks].map(([name, ps]) => ({ name, paths: ps }));
}

/**
 * A manifest: one `stack path` per line (path: a file, directory or quoted glob; relative to the
 * manifest), `#` comments and blank lines ignored. Several lines may name one stack.
 */
export function stacksFromManifest(file: string): Stack[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the manifest ${file}: ${(err as Error).message}`);
  }
  const stacks = new Map<string, string[]>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new UsageError(`${file}:${i + 1}: expected "stack path", got "${raw.trim()}"`);
    const name = checkStackName(m[1]!, `${file}:${i + 1}`);
    const path = m[2]!.trim();
    stacks.set(name, [...(stacks.get(name) ?? []), isAbsolute(path) ? path : join(dirname(file), path)]);
  });
  if (stacks.size === 0) throw new UsageError(`${file}: the manifest names no stack ("stack path" per line)`);
  return [...stacks].map(([name, paths]) => ({ name, paths }));
}

/** "20261204T000000Z" for a window's start: sorts as time, safe in a file name. */
export function windowTag(ms: number): string {
  return isoUtc(ms).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The windows a [from, to) window is cut into, `split` ms each (the last may be shorter). */
export function splitWindow(fromMs: number, toMs: number, splitMs: number | null, overlapMs: number): ShardWindow[] {
  if (splitMs === null) return [{ fromMs, toMs, overlapMs }];
  const out: ShardWindow[] = [];
  for (let t = fromMs; t < toMs; t += splitMs) out.push({ fromMs: t, toMs: Math.min(toMs, t + splitMs), overlapMs });
  return out;
}

export function planShards(stacks: readonly Stack[], windows: readonly ShardWindow[] | null, dbDir: string): Shard[] {
  const shards: Shard[] = [];
  for (const s of stacks) {
    for (const w of windows ?? [null]) {
      const key = w === null ? s.name : `${s.name}~${windowTag(w.fromMs)}`;
      shards.push({ key, stack: s.name, paths: s.paths, window: w, db: join(dbDir, `${key}.db`) });
    }
  }
  return shards;
}
