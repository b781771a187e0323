/**
 * Where config files come from: the disk, or the file sections of an `nginx -T` dump. The loader
 * only sees this interface, so includes, globs and file:line citations work the same for both.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** A file's text, or why it could not be read, in open(2)'s terms as nginx prints them. */
export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly code: string; readonly reason: string };

export interface ConfReader {
  read(path: string): ReadResult;
  /** Files matching a glob, sorted as glob(3) sorts them in the C locale (nginx uses glob(3)). */
  glob(pattern: string): string[];
}

export const hasGlob = (p: string): boolean => /[*?[]/.test(p);

/** One path segment of a glob → RegExp (`*`, `?`, `[abc]`, `[!abc]`), anchored. */
export function globSegmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function diskReader(): ConfReader {
  return {
    read(path) {
      try {
        if (statSync(path).isDirectory()) return { ok: false, code: 'EISDIR', reason: '21: Is a directory' };
        return { ok: true, text: readFileSync(path, 'utf8') };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        return { ok: false, code, reason: ERRNO_TEXT[code] ?? (e as Error).message };
      }
    },
    glob(pattern) {
      const absolute = pattern.startsWith('/');
      const segments = pattern.split('/').filter((s) => s !== '');
      let bases = [absolute ? '/' : '.'];
      segments.forEach((seg, idx) => {
        const last = idx === segments.length - 1;
        const next: string[] = [];
        for (const base of bases) {
          if (!hasGlob(seg)) {
            next.push(join(base, seg));
            continue;
          }
          const re = globSegmentRegExp(seg);
          let names: string[] = [];
          try {
            names = readdirSync(base);
          } catch {
            names = [];
          }
          // glob(3) does not let a wildcard match a leading dot.
          for (const name of names) if (re.test(name) && (!name.startsWith('.') || seg.startsWith('.'))) next.push(join(base, name));
        }
        bases = last ? next : next.filter((p) => isDir(p));
      });
      // Unreadable matches stay: nginx's glob lists them and then fails to open them, and so do we.
      const files = bases.filter((p) => exists(p) && !isDir(p));
      const shown = absolute ? files : files.map((f) => (pattern.startsWith('./') ? './' + f : f));
      return shown.sort(byteOrder);
    },
  };
}

/** strerror texts as glibc prints them after nginx's errno, for the codes a config read meets. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: '2: No such file or directory',
  EACCES: '13: Permission denied',
  EPERM: '1: Operation not permitted',
  ENOTDIR: '20: Not a directory',
  ELOOP: '40: Too many levels of symbolic links',
  EIO: '5: Input/output error',
};

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch (e) {
    // A file we may not stat is still a match (nginx would try to open it and say why it cannot).
    return (e as NodeJS.ErrnoException).code === 'EACCES';
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A reader over a fixed set of files (an `nginx -T` dump, or tests). */
export function memoryReader(files: ReadonlyMap<string, string>): ConfReader {
  return {
    read: (path) => {
      const text = files.get(posix.normalize(path));
      return text === undefined ? { ok: false, code: 'ENOENT', reason: '2: No such file or directory (not in the nginx -T output)' } : { ok: true, text };
    },
    glob(pattern) {
      const parts = posix.normalize(pattern).split('/');
      const res = parts.map((s) => (hasGlob(s) ? globSegmentRegExp(s) : undefined));
      return [...files.keys()]
        .filter((path) => {
          const segs = path.split('/');
          if (segs.length !== parts.length) return false;
          return segs.every((s, i) => {
            const re = res[i];
            return re ? re.test(s) && (!s.startsWith('.') || (parts[i] as string).startsWith('.')) : s === parts[i];
          });
        })
        .sort(byteOrder);
    },
  };
}
