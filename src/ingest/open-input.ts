/**
 * An input path → a stream of content bytes. Compression is recognised by magic bytes, not by the
 * file name (a rotated access.log.2.gz and a gzip file without the suffix both work), as GoAccess does.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip, type Gunzip } from 'node:zlib';
import { Readable } from 'node:stream';

export interface OpenedInput {
  readonly path: string;
  readonly compressed: boolean;
  /** Size on disk (compressed size for .gz); null for stdin */
  readonly size: number | null;
  /** Content chunks from `start` (a content byte offset; only plain files can start past 0) */
  chunks(start?: number): AsyncIterable<Buffer>;
  /** Plain files can be read at a position: the resume checks the line before the checkpoint this way. */
  readonly seekable: boolean;
  readAt(position: number, length: number): Promise<Buffer>;
  /** Compressed bytes handed to the decompressor so far (null for plain input): where a corrupt .gz failed. */
  compressedRead(): number | null;
}

export class InputError extends Error {
  readonly code = 'unreadable-input';
  constructor(readonly path: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read ${path}: ${reason}`, options);
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const CHUNK = 1024 * 1024;

export async function openInput(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<OpenedInput> {
  if (path === '-') return openStream('-', stdin);
  let size: number;
  const magic = Buffer.alloc(2);
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw new InputError(path, 'is a directory');
    // A FIFO, `<(cat x.log)` or a character device cannot be read at a position: read it once, as stdin is.
    if (!st.isFile()) return openStream(path, createReadStream(path, { highWaterMark: CHUNK }));
    size = st.size;
    const fh = await fsp.open(path, 'r');
    try {
      await fh.read(magic, 0, 2, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, describeFsError(err), { cause: err });
  }
  const compressed = size >= 2 && magic[0] === GZIP_MAGIC_0 && magic[1] === GZIP_MAGIC_1;
  let gunzip: Gunzip | null = null;
  return {
    path,
    compressed,
    size,
    seekable: !compressed,
    compressedRead: () => gunzip?.bytesWritten ?? null,
    chunks(start = 0) {
      if (compressed) {
        if (start !== 0) throw new Error('internal: a compressed input is read from its start');
        gunzip = createGunzip({ chunkSize: CHUNK });
        return createReadStream(path, { highWaterMark: CHUNK }).pipe(gunzip);
      }
      return createReadStream(path, { highWaterMark: CHUNK, start });
    },
    async readAt(position, length) {
      const fh = await fsp.open(path, 'r');
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

/** stdin (or a FIFO) can be read once: its first chunk decides compression, then it is replayed in front. */
async function openStream(path: string, stdin: NodeJS.ReadableStream): Promise<OpenedInput> {
  const it = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer | string>;
  try {
    first = await it.next();
  } catch (err) {
    throw new InputError(path, describeFsError(err), { cause: err });
  }
  const head = first.done ? Buffer.alloc(0) : toBuffer(first.value);
  const compressed = head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  async function* raw(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (first.done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  }
  let used = false;
  let gunzip: Gunzip | null = null;
  return {
    path,
    compressed,
    size: null,
    seekable: false,
    compressedRead: () => gunzip?.bytesWritten ?? null,
    chunks() {
      if (used) throw new Error(`internal: ${path} can be read once`);
      used = true;
      if (!compressed) return raw();
      gunzip = createGunzip({ chunkSize: CHUNK });
      return Readable.from(raw()).pipe(gunzip);
    },
    readAt: () => Promise.reject(new Error('internal: stdin is not seekable')),
  };
}

const toBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return (err as Error).message;
  }
}

/** An error of the gzip decoder (truncated or corrupt data), as opposed to one reading the file. */
export function isZlibError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  return typeof e.code === 'string' && /^Z_/.test(e.code) && typeof e.errno === 'number';
}

/**
 * What a damaged .gz cost, for the summary and the exit code: the reason, how much content was read
 * before it, and how many compressed bytes were not decoded.
 */
export function describeDamage(input: OpenedInput, err: unknown, contentBytes: number): string {
  const message = (err as Error).message;
  const truncated = (err as { code?: string }).code === 'Z_BUF_ERROR';
  const reason = truncated ? `truncated gzip data (${message}): the file ends mid-stream` : `corrupt gzip data (${message})`;
  const consumed = input.compressedRead();
  let lost = '';
  if (input.size !== null && consumed !== null) {
    const left = Math.max(0, input.size - consumed);
    lost = truncated || left === 0
      ? `; all ${input.size} compressed bytes were read, the content after byte ${contentBytes} is missing`
      : `; the error came within the first ${consumed} of ${input.size} compressed bytes: at least ${left} compressed bytes after it are lost`;
  }
  return `${input.path}: ${reason}; the ${contentBytes} bytes of content before it were ingested${lost}`;
}
