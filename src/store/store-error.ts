/** The errors of opening and writing a database, each with a code the CLI and tests can tell apart. */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
export type StoreErrorCode = 'open-failed' | 'newer-schema' | 'readonly' | 'busy' | 'full';

export class StoreError extends Error {
  constructor(message: string, readonly code: StoreErrorCode, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why this user cannot write `path` (or create it): a read-only file system or permissions; null when it can. */
export function writeRefusal(path: string): string | null {
  const target = existsSync(path) ? path : dirname(path);
  try {
    accessSync(target, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `${target} is on a read-only file system (EROFS)`;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied on ${target} (${code})`;
  }
  for (const f of [`${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(f)) accessSync(f, constants.W_OK);
    } catch (err) {
      return `permission denied on ${f} (${(err as NodeJS.ErrnoException).code})`;
    }
  }
  if (existsSync(path)) {
    try {
      accessSync(dirname(path), constants.W_OK);
    } catch (err) {
      return `its directory ${dirname(path)} is not writable (${(err as NodeJS.ErrnoException).code}): SQLite needs to create ${path}-wal beside it`;
    }
  }
  return null;
}
