/**
 * `droptrace ingest` as a library call: paths → rows, one summary per input. Unreadable paths are
 * reported after every other input has been read.
 */
import type { Db } from '../store/open.js';
import { QUERY_INDEXES } from '../store/sql/schema.js';
import { expandPaths } from './paths.js';
import { ingestFile, type FileIngestOptions, type FileSummary } from './file-ingest.js';
import type { SourceType } from './detect.js';
import { assertKnownZone } from '../domain/time.js';

export interface IngestOptions {
  readonly type?: SourceType | 'auto';
  readonly tz?: string | null;
  readonly host?: string | null;
  readonly logFormat?: string | null;
  readonly logFormatEscape?: 'default' | 'json' | 'none' | null;
  readonly batchLines?: number;
  readonly stdin?: NodeJS.ReadableStream;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: FileIngestOptions['onProgress'];
}

export interface IngestResult {
  readonly files: FileSummary[];
  /** Paths that could not be read at all: the caller exits non-zero when there are any. */
  readonly problems: { readonly path: string; readonly reason: string }[];
  readonly warnings: string[];
}

export const DEFAULT_BATCH_LINES = 20_000;

export async function ingestPaths(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestResult> {
  if (opts.tz) assertKnownZone(opts.tz);
  const warnings: string[] = [];
  const onWarning = (m: string) => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  const { inputs, problems } = await expandPaths(paths);
  const files: FileSummary[] = [];
  const fileOpts: FileIngestOptions = {
    type: opts.type ?? 'auto',
    tz: opts.tz ?? null,
    host: opts.host ?? null,
    logFormat: opts.logFormat ?? null,
    logFormatEscape: opts.logFormatEscape ?? null,
    batchLines: opts.batchLines ?? DEFAULT_BATCH_LINES,
    onWarning,
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  for (const input of inputs) {
    const s = await ingestFile(db, input, fileOpts);
    files.push(s);
    if (s.unplaced !== undefined) onWarning(s.unplaced);
    if (s.error !== null) problems.push({ path: input, reason: s.error });
  }
  buildQueryIndexes(db);
  return { files, problems, warnings };
}

/** Built once after the bulk insert (cheaper than maintaining them per row); later ingests maintain them. */
export function buildQueryIndexes(db: Db): void {
  for (const sql of QUERY_INDEXES) db.exec(sql);
}
