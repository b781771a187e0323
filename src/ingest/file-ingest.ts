/**
 * One input → rows. Reads the content once, recognises content ingested before (by its head, then
 * the line at the checkpoint), resumes after it, and commits rows together with the checkpoint in
 * the same transaction: a run killed at any point leaves a database the next run completes exactly.
 */
import { suggestPythonLogFormat } from '../../parsers/app/suggest-format.js';
import { describeReject } from '../../parsers/result.js';
import { createHash } from 'node:crypto';
import { StoreError, type Db } from '../store/open.js';
import { beginImmediate, rollbackQuietly, writeTransaction } from '../store/write-lock.js';
import { createFileRegistry, HEAD_BYTES, type CheckpointAt, type FileRegistry, type FileRow } from '../store/files.js';
import { createWriters, type Provenance, type TableRecord, type Writers } from '../store/writers.js';
import { openInput, InputError, describeDamage, isZlibError, type OpenedInput } from './open-input.js';
import { LineSplitter, type Line } from './lines.js';
import { SOURCE_TYPES, type SourceType } from './detect.js';
import { localZone } from '../domain/time.js';
import type { AccessFormat } from './access-format.js';
import { groupOf, readingFromRow, serializeReading, isPlainReading, type FileReading, type LayerGroup } from './reading.js';
import { chooseReading, syslogYear } from './choose-reading.js';
import { createLineReader, type LineReader } from './line-reader.js';

export interface FileIngestOptions {
  readonly type: SourceType | 'auto';
  readonly tz: string | null;
  readonly host: string | null;
  /** `--log-format`: the declared access format, string and escape mode together */
  readonly accessFormat: AccessFormat | null;
  /** `--layer-of`: stream name → layer, for streams whose names say nothing */
  readonly layerOf: Readonly<Record<string, LayerGroup>>;
  /** Python logging formats of app text and gunicorn lines; gunicorn's access_log_format */
  readonly appLogFormats?: readonly string[];
  readonly gunicornAccessFormat?: string | null;
  /** Lines per transaction: large enough to amortise the commit, small enough to lose little on a kill. */
  readonly batchLines: number;
  readonly stdin?: NodeJS.ReadableStream;
  readonly onWarning: (message: string) => void;
  readonly onProgress?: (p: { path: string; bytes: number; size: number | null }) => void;
}

export interface FileSummary {
  readonly path: string;
  /** The layer of the file, or 'mixed' when its lines went to several (see `layers`) */
  type: SourceType | 'mixed' | null;
  format: string | null;
  fileId: number | null;
  lines: number;
  records: number;
  rejected: number;
  skipped: number;
  continuation: number;
  ignored: number;
  /** How the type was decided: "--type", "auto: …" or "known content (file #3)" */
  decided: string;
  /** The input could not be read (missing, unreadable, content that diverges from its checkpoint) */
  error: string | null;
  /** The input was read but no parser could be chosen for it: reported, not guessed */
  unplaced?: string;
  /** Known content offered again under another --type: not read again, and how to */
  offeredAs?: string;
  /** The first line rejected in this run, with its reason */
  firstReject?: string;
  /** Lines that went to each layer (one entry for a single-layer file) */
  layers: Partial<Record<SourceType, number>>;
  /** The delivery wrappers taken off its lines ('' when read as they are) */
  delivery: string;
  /** Rows this content holds in the database after this run (earlier runs included) */
  storedRecords: number;
  /** Most app/gunicorn lines fitted no logging layout: the `--app-log-format` that reads them, checked on them */
  formatHint?: string;
}

const PRELUDE_BYTES = 64 * 1024;
const DETAIL_LIMIT = 64 * 1024;

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

/**
 * Another process stored lines of this content between two of our batches: ours are rolled back
 * and the file is read again from the checkpoint it left.
 */
class CheckpointMoved extends Error {
  constructor(readonly records: number, readonly rejected: number) {
    super('the checkpoint moved');
  }
}
const MAX_ATTEMPTS = 5;

export async function ingestFile(db: Db, path: string, opts: FileIngestOptions): Promise<FileSummary> {
  let records = 0;
  let rejected = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const s = await ingestFileOnce(db, path, opts);
      s.records += records;
      s.rejected += rejected;
      // its skipped lines then count those this run stored before another process overtook it
      if (attempt > 1) s.decided += `; read ${attempt} times: another droptrace stored part of it meanwhile, each line once`;
      return s;
    } catch (err) {
      if (!(err instanceof CheckpointMoved)) throw err;
      records += err.records;
      rejected += err.rejected;
      if (path === '-' || attempt === MAX_ATTEMPTS) {
        return {
          path, type: null, format: null, fileId: null, lines: 0, records, rejected, skipped: 0, continuation: 0, ignored: 0, decided: '',
          layers: {}, delivery: '', storedRecords: records,
          error: `${path}: another droptrace process was storing the same content at the same time; this run stopped after ${records} record(s) so that no line is stored twice: ingest it again to finish`,
        };
      }
    }
  }
}

async function ingestFileOnce(db: Db, path: string, opts: FileIngestOptions): Promise<FileSummary> {
  const summary: FileSummary = {
    path, type: null, format: null, fileId: null, lines: 0, records: 0, rejected: 0, skipped: 0,
    continuation: 0, ignored: 0, decided: '', error: null, layers: {}, delivery: '', storedRecords: 0,
  };
  let input: OpenedInput;
  try {
    input = await openInput(path, opts.stdin);
  } catch (err) {
    if (err instanceof InputError) return { ...summary, error: err.message };
    throw err;
  }
  const iterator = input.chunks()[Symbol.asyncIterator]();
  const { prelude, damage } = await readPrelude(iterator, input);
  if (prelude.length === 0) return { ...summary, decided: 'empty input', error: damage };
  // The write lock, before the checkpoint is read: a second ingest of the same content waits here
  // and then finds it stored.
  beginImmediate(db);
  try {
    return await placeAndIngest(db, path, opts, input, iterator, prelude, damage, summary);
  } finally {
    rollbackQuietly(db);
  }
}

async function placeAndIngest(
  db: Db, path: string, opts: FileIngestOptions, input: OpenedInput, iterator: AsyncIterator<Buffer>, prelude: Buffer,
  damage: string | null, summary: FileSummary,
): Promise<FileSummary> {
  const registry = createFileRegistry(db);

  const head = prelude.subarray(0, HEAD_BYTES);
  const headHash = sha1(head);
  const known = findKnown(registry.candidates(opts.host, headHash), prelude, headHash, head.length);
  const headLines = prelude.toString('utf8').split('\n').slice(0, 200);

  if (!known) {
    const tz = opts.tz ?? localZone();
    const choice = chooseReading(headLines, { type: opts.type, tz, access: opts.accessFormat, layerOf: opts.layerOf });
    if (!choice.ok) {
      const fix = choice.type === 'nginx-access' ? '' : `: pass --type ${SOURCE_TYPES.join('|')} (and --layer-of NAME=LAYER for a stream of several containers)`;
      const unread: FileSummary = { ...summary, type: choice.type, decided: choice.decided, unplaced: `cannot read ${path}: ${choice.reason}${fix}` };
      if (choice.hint !== undefined) unread.formatHint = choice.hint;
      return unread;
    }
    // Declared Python formats travel with the reading, so a resumed file is read with them.
    const python = { app_log_formats: opts.appLogFormats ?? [], access_log_format: opts.gunicornAccessFormat ?? null };
    const reading: FileReading = python.app_log_formats.length > 0 || python.access_log_format !== null ? { ...choice.reading, python } : choice.reading;
    if (choice.zoneNeeded && opts.tz === null) {
      opts.onWarning(`${path}: its timestamps carry no zone; read them as ${tz} (the machine's zone). Pass --tz <IANA zone> if the server ran in another.`);
    }
    const format = serializeReading(reading);
    const type = fileType(reading);
    const id = registry.create({
      path, host: opts.host, type, format, tz, tzAssumed: choice.zoneNeeded && opts.tz === null,
      headHash, headLen: head.length,
    });
    registry.addName(id, path);
    const reader = createLineReader(reading, { tz, year: choice.year, layerOf: opts.layerOf });
    const fresh: FileSummary = { ...summary, fileId: id, type: summaryType(reading), format, decided: choice.decided, delivery: reading.chain.join(' + ') };
    if (choice.unreadAccess) {
      opts.onWarning(`${path}: its nginx stream's lines are kept as rejects: ${choice.unreadAccess.reason}`);
      if (choice.unreadAccess.hint !== null) fresh.formatHint = choice.unreadAccess.hint;
    }
    return runLines(db, registry, input, iterator, prelude, damage, reader, { id, bytes_done: 0, lines_done: 0, last_line_hash: null, partial_hash: null }, fresh, opts);
  }

  if (known.head_len < head.length) registry.extendHead(known.id, headHash, head.length);
  registry.addName(known.id, path);
  const reading = readingFromRow(known.type, known.format);
  const reader = createLineReader(reading, { tz: known.tz ?? 'UTC', year: syslogYear(headLines, Date.now()), layerOf: opts.layerOf });
  const resumed: FileSummary = {
    ...summary, fileId: known.id, type: summaryType(reading), format: known.format, delivery: reading.chain.join(' + '),
    storedRecords: known.records,
    decided: `known content (file #${known.id}, first ingested as ${known.path})`,
  };
  if (opts.type !== 'auto' && !reading.chain.length && isPlainReading(reading) && reading.main !== opts.type) {
    resumed.offeredAs = `${path} is content ingested before as ${reading.main} (file #${known.id}, ${known.path}); it is not read again as ${opts.type}. To read it as ${opts.type}, ingest it into a new database: --db other.db`;
  }
  // A plain file that grew: seek past what is stored instead of reading it again, once the line at
  // the checkpoint proves it is the same content.
  if (input.seekable && known.bytes_done > prelude.length && known.last_line_hash !== null && input.size !== null && input.size >= known.bytes_done) {
    const lastLine = await readLineEndingAt(input, known.bytes_done);
    if (lastLine !== null && sha1(lastLine) === known.last_line_hash) {
      await iterator.return?.();
      const rest = input.chunks(known.bytes_done)[Symbol.asyncIterator]();
      resumed.lines += known.lines_done;
      resumed.skipped += known.lines_done;
      return runLines(db, registry, input, rest, Buffer.alloc(0), null, reader, known, resumed, opts, { offset: known.bytes_done, lineNo: known.lines_done });
    }
  }
  return runLines(db, registry, input, iterator, prelude, damage, reader, known, resumed, opts);
}

/** The first bytes, for recognising and detecting; a damaged .gz may end within them (`damage` says why). */
async function readPrelude(it: AsyncIterator<Buffer>, input: OpenedInput): Promise<{ prelude: Buffer; damage: string | null }> {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < PRELUDE_BYTES) {
    const chunk = await nextChunk(it, input, n);
    if (chunk === null) break;
    if (!Buffer.isBuffer(chunk)) return { prelude: Buffer.concat(parts, n), damage: chunk.damage };
    parts.push(chunk);
    n += chunk.length;
  }
  return { prelude: Buffer.concat(parts, n), damage: null };
}

/**
 * The input's next chunk, null at its end, or where a truncated or corrupt .gz broke off after `at`
 * bytes (what decompressed before is kept, as zcat does).
 */
async function nextChunk(it: AsyncIterator<Buffer>, input: OpenedInput, at: number): Promise<Buffer | null | { readonly damage: string }> {
  try {
    const r = await it.next();
    return r.done ? null : r.value;
  } catch (err) {
    if (!isZlibError(err)) throw err;
    return { damage: describeDamage(input, err, at) };
  }
}

function findKnown(cands: FileRow[], prelude: Buffer, headHash: string, headLen: number): FileRow | null {
  for (const c of cands) {
    if (c.head_len === headLen && c.head_hash === headHash) return c;
    // Ingested while it was shorter than a full head: its whole head must be our prefix.
    if (c.head_len < HEAD_BYTES && c.head_len <= prelude.length && c.head_len > 0 && sha1(prelude.subarray(0, c.head_len)) === c.head_hash) return c;
  }
  return null;
}

/** The text of the line that ends at `end` (a checkpoint), decoded as the splitter decodes it. */
async function readLineEndingAt(input: OpenedInput, end: number): Promise<string | null> {
  const from = Math.max(0, end - 65536);
  const win = await input.readAt(from, end - from);
  if (win.length !== end - from || win[win.length - 1] !== 10) return null;
  const prev = win.lastIndexOf(10, win.length - 2);
  if (prev === -1 && from > 0) return null; // longer than the window: let the stream check it
  let stop = win.length - 1;
  if (stop > prev + 1 && win[stop - 1] === 13) stop--;
  return win.toString('utf8', prev + 1, stop).replaceAll('\0', '\u2400');
}

/** `files.type`: the layer, or 'mixed' when stream names feed several. */
function fileType(r: FileReading): string {
  return summaryType(r) ?? r.main;
}

function summaryType(r: FileReading): SourceType | 'mixed' {
  const groups = new Set(Object.values(r.names));
  return groups.size > 1 || (groups.size === 1 && !groups.has(groupOf(r.main))) ? 'mixed' : r.main;
}


interface ResumePoint {
  readonly id: number;
  readonly bytes_done: number;
  readonly lines_done: number;
  readonly last_line_hash: string | null;
  readonly partial_hash: string | null;
}

class Diverged extends Error {}

/**
 * Runs inside the write transaction the caller began; commits every batch with its checkpoint and
 * takes the lock again for the next, so the transaction is closed when it returns.
 */
async function runLines(
  db: Db, registry: FileRegistry, input: OpenedInput, iterator: AsyncIterator<Buffer>, prelude: Buffer,
  preludeDamage: string | null, reader: LineReader, resume: ResumePoint, summary: FileSummary, opts: FileIngestOptions,
  start: { offset: number; lineNo: number } = { offset: 0, lineNo: 0 },
): Promise<FileSummary> {
  const stored = createWriters(db);
  // The first reject's reason: the summary of a file whose every line was rejected quotes it.
  const writers: Writers = {
    ...stored,
    reject(fileId, lineNo, offset, reason, raw, rawBytes) {
      summary.firstReject ??= `line ${lineNo}: ${reason}`;
      stored.reject(fileId, lineNo, offset, reason, raw, rawBytes);
    },
  };
  const fileId = resume.id;
  const skipUntil = resume.bytes_done;
  let partialToCheck = resume.partial_hash;

  // Pending record: kept open until the next record starts, so traceback lines can join it.
  let pending: { rec: TableRecord; at: Provenance; detail: string[] | null; detailBytes: number } | null = null;
  // The checkpoint: everything before `doneOffset`/`doneLines` is stored.
  let doneOffset = skipUntil;
  let doneLines = resume.lines_done;
  // The line at the checkpoint, kept as text and hashed only when a commit stores it: one sha1 per
  // batch instead of one per line. `lastLineText` null: `lastLineHash` is current.
  let lastLineHash = resume.last_line_hash;
  let lastLineText: string | null = null;
  let partialHash: string | null = resume.partial_hash;
  let batchRecords = 0;
  let batchRejected = 0;
  let sinceCommit = 0;
  let bytesSeen = 0;
  let forgotPartial = false;
  // Lines the gunicorn/app parsers kept as generic ('unknown') against those a layout split: a sample for the hint.
  const genericLines: string[] = [];
  let framedLines = 0;
  const noteGeneric = (rec: TableRecord) => {
    if (rec.table === 'server_log' && genericLines.length < 200 && typeof rec.row.message === 'string' && rec.row.message.trim() !== '') genericLines.push(rec.row.message);
  };
  // Where the stored checkpoint stands: each commit moves it only from there (files.ts).
  let at: CheckpointAt = { bytesDone: resume.bytes_done, linesDone: resume.lines_done, partialHash: resume.partial_hash };
  let committedRecords = 0;
  let committedRejected = 0;

  const flushPending = () => {
    if (!pending) return;
    writers.insert(pending.rec, pending.at, pending.detail ? pending.detail.join('\n') : null);
    pending = null;
    batchRecords++;
  };
  const commit = (last = false) => {
    const next = {
      bytesDone: pending ? pending.at.offset : doneOffset,
      linesDone: pending ? pending.at.lineNo - 1 : doneLines,
      lastLineHash: pending ? hashOf(pendingPrevText, pendingPrevHash) : hashOf(lastLineText, lastLineHash),
      partialHash: pending ? null : partialHash,
      records: batchRecords,
      rejected: batchRejected,
    };
    stored.flush(); // the rows still waiting for a multi-row INSERT belong to this batch
    if (!registry.saveCheckpoint(fileId, next, at)) throw new CheckpointMoved(committedRecords, committedRejected);
    at = next;
    db.exec('COMMIT');
    summary.records += batchRecords;
    summary.rejected += batchRejected;
    committedRecords += batchRecords;
    committedRejected += batchRejected;
    batchRecords = 0;
    batchRejected = 0;
    sinceCommit = 0;
    if (!last) beginImmediate(db);
  };
  let pendingPrevHash: string | null = lastLineHash;
  let pendingPrevText: string | null = null;
  const hashOf = (text: string | null, hash: string | null) => (text !== null ? sha1(text) : hash);

  // The line being handled, for the results the reader gives for it (several when an envelope held several lines).
  let current: Line | null = null;
  // The checkpoint moves past a line once what it said is stored or held: one function for every
  // line, not a closure allocated per line (this path runs a million times a shard).
  const provenanceEnd = (line: Line) => {
    if (line.unterminated) {
      partialHash = sha1(line.text);
    } else {
      doneOffset = line.end;
      doneLines = line.lineNo;
      lastLineText = line.text;
      partialHash = null;
    }
  };
  const onLine = (line: Line) => {
    summary.lines++;
    if (line.end <= skipUntil) {
      summary.skipped++;
      if (line.end === skipUntil && resume.last_line_hash !== null && sha1(line.text) !== resume.last_line_hash) throw new Diverged();
      return;
    }
    if (line.offset < skipUntil) throw new Diverged();
    if (partialToCheck !== null) {
      const stillSame = line.unterminated && sha1(line.text) === partialToCheck;
      partialToCheck = null;
      if (stillSame) {
        summary.skipped++;
        return;
      }
      writers.forgetLine(fileId, line.lineNo);
      forgotPartial = true;
      partialHash = null;
    }
    sinceCommit++;
    if (line.text.trim() === '' && !line.truncated) {
      summary.ignored++;
      if (!pending) provenanceEnd(line);
      else if (!line.unterminated) { /* a blank line inside a traceback: stays with the pending record */ }
      return;
    }
    if (line.truncated) {
      flushPending();
      writers.reject(fileId, line.lineNo, line.offset, `line longer than the ${Math.round(line.text.length / 1024)} KiB limit (${line.bytes} bytes): not parsed; its start is kept here`, line.text.slice(0, 65536), line.bytes);
      batchRejected++;
      provenanceEnd(line);
      return;
    }
    current = line;
    const results = reader.read(line.text);
    if (results.length === 0) {
      // The first part of a split line (CRI "P", docker json-file without "\n"): it is stored with
      // the line that ends it, and the checkpoint does not move past a held part (see commit below).
      return;
    }
    for (const r of results) {
      summary.layers[r.layer] = (summary.layers[r.layer] ?? 0) + 1;
      handle(r.result);
    }
  };

  const handle = (result: ReturnType<LineReader['read']>[number]['result']) => {
    const line = current!;
    switch (result.kind) {
      case 'record':
        if (result.pattern === 'unknown') noteGeneric(result.record);
        else if (!result.pattern.startsWith('bare/') && (result.record.table === 'server_log' || result.record.table === 'app_requests')) framedLines++;
        flushPending();
        pendingPrevHash = lastLineHash;
        pendingPrevText = lastLineText;
        pending = { rec: result.record, at: { fileId, lineNo: line.lineNo, offset: line.offset, pattern: result.pattern }, detail: null, detailBytes: 0 };
        provenanceEnd(line);
        if (line.unterminated) flushPending();
        return;
      case 'continuation':
        if (pending) {
          summary.continuation++;
          const p = pending as { detail: string[] | null; detailBytes: number };
          if (p.detailBytes < DETAIL_LIMIT) {
            (p.detail ??= []).push(result.text);
            p.detailBytes += result.text.length + 1;
          }
          provenanceEnd(line);
          if (line.unterminated) flushPending();
          return;
        }
        writers.reject(fileId, line.lineNo, line.offset, 'a continuation line (traceback or wrapped message) with no record before it', line.text, line.bytes);
        batchRejected++;
        provenanceEnd(line);
        return;
      case 'ignored':
        flushPending();
        summary.ignored++;
        provenanceEnd(line);
        return;
      case 'reject': {
        flushPending();
        // How far the best pattern got travels with the reason (the parsers compute it for this).
        let reason = describeReject(result);
        if (line.invalidUtf8) reason += ' (the line holds invalid UTF-8, shown as U+FFFD)';
        if (line.hadNul) reason += ' (the line holds NUL bytes, shown as ␀)';
        if (line.unterminated) reason += ' (last line of the input, with no newline: cut mid-write?)';
        writers.reject(fileId, line.lineNo, line.offset, reason, line.text, line.bytes);
        batchRejected++;
        provenanceEnd(line);
        return;
      }
    }
  };

  const splitter = new LineSplitter((line) => {
    onLine(line);
    if (sinceCommit >= opts.batchLines && !pending && !reader.holding()) commit();
    else if (sinceCommit >= opts.batchLines * 4 && !reader.holding()) commit(); // a record with a very long traceback
  }, start);

  let damage = preludeDamage;
  try {
    splitter.push(prelude);
    bytesSeen = prelude.length;
    while (damage === null) {
      const chunk = await nextChunk(iterator, input, bytesSeen);
      if (chunk === null) break;
      if (!Buffer.isBuffer(chunk)) {
        damage = chunk.damage;
        break;
      }
      splitter.push(chunk);
      bytesSeen += chunk.length;
      opts.onProgress?.({ path: input.path, bytes: bytesSeen, size: input.size });
    }
    splitter.end();
    // A line split in parts whose last part never came (the container stopped mid-line): stored as far as it goes.
    if (current !== null) for (const r of reader.flush()) handle(r.result);
    flushPending();
    if (resume.bytes_done > 0 && summary.lines > 0 && doneOffset < skipUntil) {
      // The input ended before the checkpoint: an older, shorter copy of content we already have.
      doneOffset = skipUntil;
    }
    commit(true);
  } catch (err) {
    rollbackQuietly(db);
    if (err instanceof Diverged) {
      summary.error = `${input.path}: its first ${HEAD_BYTES} bytes match content ingested before (file #${fileId}) but the line at the checkpoint differs (a file rewritten in place?); not ingested, to keep rows unique. Ingest it into a new --db to read it.`;
      return summary;
    }
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_FULL')) {
      throw new StoreError(
        `disk full while ingesting ${input.path} into ${db.name} (SQLite: ${(err as Error).message}): the batches committed before are kept (${doneLinesCommitted(at)} lines of this file); free space on that disk and run the same ingest again, it resumes there`,
        'full', { cause: err },
      );
    }
    throw err;
  }
  // A partial last line that grew was forgotten and stored again: the running totals counted it twice.
  if (forgotPartial) writeTransaction(db, () => registry.recount(fileId));
  summary.storedRecords += summary.records;
  if (damage !== null) summary.error = damage;
  const hint = formatHintFor(genericLines, framedLines, opts.appLogFormats ?? []);
  if (hint !== null) summary.formatHint = hint;
  return summary;
}

/**
 * App or gunicorn lines that no logging layout split keep no time, level or pid (stalls need the
 * pid): when they are most of the file, say which --app-log-format reads them, checked on them.
 */
function formatHintFor(generic: readonly string[], framed: number, given: readonly string[]): string | null {
  if (given.length > 0 || generic.length < 3 || generic.length < framed) return null;
  const s = suggestPythonLogFormat(generic);
  if (s === null) return null;
  return `${s.reads} of ${generic.length} sampled lines fit no logging layout droptrace knows (their time, level and pid are lost); ` +
    `--app-log-format '${s.format}' reads them`;
}

const doneLinesCommitted = (at: CheckpointAt): number => at.linesDone;
