/**
 * An input path → a stream of content bytes. Compression is recognised by magic bytes, not by the
 * file name (a rotated access.log.2.gz and a gzip file without the suffix both work), as GoAccess does.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
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
  if (path === '-') return openStdin(stdin);
  let size: number;
  const magic = Buffer.alloc(2);
  try {
    const st = await fsp.stat(path);
    if (st.isDirectory()) throw new InputError(path, 'is a directory');
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
  return {
    path,
    compressed,
    size,
    seekable: !compressed,
    chunks(start = 0) {
      if (compressed) {
        if (start !== 0) throw new Error('internal: a compressed input is read from its start');
        return createReadStream(path, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK }));
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

/** stdin can be read once: its first chunk decides compression, then it is replayed in front. */
async function openStdin(stdin: NodeJS.ReadableStream): Promise<OpenedInput> {
  const it = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
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
  return {
    path: '-',
    compressed,
    size: null,
    seekable: false,
    chunks() {
      if (used) throw new Error('internal: stdin can be read once');
      used = true;
      return compressed ? Readable.from(raw()).pipe(createGunzip({ chunkSize: CHUNK })) : raw();
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
