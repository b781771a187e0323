/**
 * A size given on the command line (`--memory-limit 512MB`): a number and a unit, decimal (KB, MB,
 * GB, TB: powers of 1000) or binary (KiB, MiB, GiB, TiB: of 1024), as DuckDB reads them. Checked here
 * so a typo is a usage error before any work, not DuckDB's "Failed to set config" after it.
 */
import { UsageError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/**
 * The floor: at 1MB DuckDB fails midway (out of memory); 64MiB still exports a shard and reports on
 * the dataset as the default does (test/fleet/memory-limit.test.ts).
 */
export const MIN_MEMORY_LIMIT_BYTES = 64 * 2 ** 20;

export interface SizeArg {
  /** the size as DuckDB takes it, e.g. `512MB` */
  readonly text: string;
  readonly bytes: number;
}

export function parseMemoryLimitArg(text: string, flag = '--memory-limit'): SizeArg {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: give a size with its unit, e.g. 512MB, 2GB or 1.5GiB (KB, MB, GB, TB, KiB, MiB, GiB, TiB)`);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < MIN_MEMORY_LIMIT_BYTES) {
    throw new UsageError(`${flag} ${text}: DuckDB needs at least 64MiB to write and read the dataset (its default here is 256MB)`);
  }
  return { text: `${m[1]}${m[2]}`, bytes };
}
