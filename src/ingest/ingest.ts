/**
 * `droptrace ingest` as a library call: paths → rows, one summary per input. Unreadable paths are
 * reported after every other input has been read, and so is every input that gave nothing: a file
 * whose type could not be decided, whose every line was rejected, that yielded no record, or that is
 * content already ingested under another --type. Each comes with its reason and the flag that fixes it.
 */
import type { Db } from '../store/open.js';
import { QUERY_INDEXES } from '../store/sql/schema.js';
import { writeTransaction } from '../store/write-lock.js';
import { expandPaths } from './paths.js';
import { ingestFile, type FileIngestOptions, type FileSummary } from './file-ingest.js';
import type { SourceType } from './detect.js';
import { assertKnownZone } from '../domain/time.js';
import { parseAccessFormat, type AccessFormat } from './access-format.js';
import type { LayerGroup } from './reading.js';

export interface IngestOptions {
  readonly type?: SourceType | 'auto';
  readonly tz?: string | null;
  readonly host?: string | null;
  /** The nginx access format: one value, or a format string as typed after --log-format (an optional `escape=MODE ` in front) */
  readonly logFormat?: AccessFormat | string | null;
  /** Stream name → layer, for compose/kubectl/journald streams whose names say nothing (`--layer-of`) */
  readonly layerOf?: Readonly<Record<string, LayerGroup>>;
  /** The app's Python logging formats (app text logs and gunicorn streams), tried before the common layouts */
  readonly appLogFormats?: readonly string[];
  /** gunicorn's access_log_format, when it is not the default */
  readonly gunicornAccessFormat?: string | null;
  readonly batchLines?: number;
  readonly stdin?: NodeJS.ReadableStream;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: FileIngestOptions['onProgress'];
}

/** An input that gave nothing to the database this run, with the reason and the fix. */
export interface IngestFailure {
  readonly path: string;
  readonly reason: string;
}

export interface IngestResult {
  readonly files: FileSummary[];
  /** Paths that could not be read at all: the caller exits non-zero when there are any. */
  readonly problems: { readonly path: string; readonly reason: string }[];
  /** Inputs read but that yielded nothing (see the header): the caller exits non-zero when there are any. */
  readonly failures: IngestFailure[];
  readonly warnings: string[];
}

export const DEFAULT_BATCH_LINES = 20_000;

export function accessFormatOf(opts: Pick<IngestOptions, 'logFormat'>): AccessFormat | null {
  const f = opts.logFormat ?? null;
  return typeof f === 'string' ? parseAccessFormat(f) : f;
}

export async function ingestPaths(db: Db, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestResult> {
  if (opts.tz) assertKnownZone(opts.tz);
  const warnings: string[] = [];
  const onWarning = (m: string) => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  const { inputs, problems } = await expandPaths(paths);
  const files: FileSummary[] = [];
  const failures: IngestFailure[] = [];
  const fileOpts: FileIngestOptions = {
    type: opts.type ?? 'auto',
    tz: opts.tz ?? null,
    host: opts.host ?? null,
    accessFormat: accessFormatOf(opts),
    layerOf: opts.layerOf ?? {},
    appLogFormats: opts.appLogFormats ?? [],
    gunicornAccessFormat: opts.gunicornAccessFormat ?? null,
    batchLines: opts.batchLines ?? DEFAULT_BATCH_LINES,
    onWarning,
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  for (const input of inputs) {
    const s = await ingestFile(db, input, fileOpts);
    files.push(s);
    if (s.error !== null) problems.push({ path: input, reason: s.error });
    const failure = failureOf(s);
    if (failure !== null) failures.push({ path: input, reason: failure });
  }
  buildQueryIndexes(db);
  return { files, problems, failures, warnings };
}

/** Why an input counts as giving nothing, with the flag that fixes it; null when it gave something. */
export function failureOf(s: FileSummary): string | null {
  if (s.error !== null) return null; // reported as a problem already
  if (s.unplaced !== undefined) return s.unplaced;
  if (s.offeredAs !== undefined) return s.offeredAs;
  if (s.fileId === null) return null; // empty input: nothing to read, said in the summary
  if (s.storedRecords > 0) return null;
  const read = s.lines - s.skipped;
  if (read === 0) return null;
  if (s.rejected > 0 && s.rejected + s.ignored >= read) {
    return `every line was rejected (${s.rejected} of ${read}; ${s.firstReject ?? ''})${fixFor(s)}`;
  }
  return `${read} line(s) read, none a record (${s.ignored} ignored, ${s.rejected} rejected, ${s.continuation} continuation)${fixFor(s)}`;
}

function fixFor(s: FileSummary): string {
  switch (s.type) {
    case 'nginx-access':
      return ": pass its log_format with --log-format '…' (or --log-format-name NAME --nginx-conf FILE)";
    case 'app':
      return ': the app lines carry no request record droptrace reads (middleware "Slow request: …" lines or NDJSON); check --type, or log the middleware line';
    default:
      return ': check --type (nginx-access, nginx-error, gunicorn, app) and --layer-of NAME=LAYER for a stream of several containers';
  }
}

/** Built once after the bulk insert (cheaper than maintaining them per row); later ingests maintain them. */
export function buildQueryIndexes(db: Db): void {
  writeTransaction(db, () => {
    for (const sql of QUERY_INDEXES) db.exec(sql);
  });
}
