/**
 * Bytes → lines, for any input a user can throw at it: CRLF line ends, invalid UTF-8, NUL bytes,
 * lines of a megabyte, a last line with no newline. Nothing here throws on content; every oddity is
 * a flag on the line, and the ingest decides what to store.
 */
import { isAscii, isUtf8 } from 'node:buffer';

export interface Line {
  /** Text without the line end; invalid UTF-8 sequences are U+FFFD, NUL bytes are U+2400 (␀) */
  readonly text: string;
  /** 1-based line number within the content */
  readonly lineNo: number;
  /** Byte offset of the line's first byte in the (decompressed) content */
  readonly offset: number;
  /** Byte offset just past the line end (the next line's offset) */
  readonly end: number;
  /** Length of the line in bytes, without its line end, before any cut */
  readonly bytes: number;
  readonly invalidUtf8: boolean;
  readonly hadNul: boolean;
  /** Longer than the limit: `text` holds only the first `maxLineBytes` bytes */
  readonly truncated: boolean;
  /** The content ended without a newline after this line */
  readonly unterminated: boolean;
}

export type LineSink = (line: Line) => void;

/** nginx caps a request line near 8 KiB by default, tracebacks are long but not this long. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Splits a byte stream into lines; `push` chunks, then `end()`. Memory stays bounded by the chunk
 * size plus `maxLineBytes`: the rest of an over-long line is counted, not kept.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryDropped = 0;
  private offset: number;
  private lineNo: number;

  constructor(
    private readonly sink: LineSink,
    start: { offset: number; lineNo: number } = { offset: 0, lineNo: 0 },
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.offset = start.offset;
    this.lineNo = start.lineNo;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    // A chunk of ASCII (most logs) is decoded once, each line then a slice of it: one decoding
    // instead of one per line, with the same text (ASCII bytes are their own characters).
    const ascii = n > 0 && isAscii(chunk) ? chunk.toString('latin1', 0, n) : null;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.keep(chunk, pos, n);
        return;
      }
      if (this.carryBytes === 0 && this.carryDropped === 0) {
        this.emit(chunk, pos, nl, nl + 1 - pos, false, 0, ascii);
      } else {
        this.keep(chunk, pos, nl);
        const joined = Buffer.concat(this.carry, this.carryBytes);
        const total = this.carryBytes + this.carryDropped + 1;
        this.carry = [];
        this.carryBytes = 0;
        const dropped = this.carryDropped;
        this.carryDropped = 0;
        this.emit(joined, 0, joined.length, total, false, dropped);
      }
      pos = nl + 1;
    }
  }

  end(): void {
    if (this.carryBytes > 0 || this.carryDropped > 0) {
      const joined = Buffer.concat(this.carry, this.carryBytes);
      const total = this.carryBytes + this.carryDropped;
      const dropped = this.carryDropped;
      this.carry = [];
      this.carryBytes = 0;
      this.carryDropped = 0;
      this.emit(joined, 0, joined.length, total, true, dropped);
    }
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const room = this.maxLineBytes - this.carryBytes;
    const len = to - from;
    if (len <= room) {
      if (len > 0) {
        // copy: the stream may reuse the chunk's memory
        this.carry.push(Buffer.from(chunk.subarray(from, to)));
        this.carryBytes += len;
      }
    } else {
      if (room > 0) {
        this.carry.push(Buffer.from(chunk.subarray(from, from + room)));
        this.carryBytes += room;
      }
      this.carryDropped += len - Math.max(room, 0);
    }
  }

  /** `consumed` counts the line's bytes in the content including its "\n" (and any dropped tail). */
  /** `ascii`: all of `buf` decoded, when it is ASCII (push); null to decode the line's bytes here. */
  private emit(buf: Buffer, start: number, stop: number, consumed: number, unterminated: boolean, dropped = 0, ascii: string | null = null): void {
    let textEnd = stop;
    let truncated = dropped > 0;
    if (stop - start > this.maxLineBytes) {
      textEnd = start + this.maxLineBytes;
      truncated = true;
    }
    let bytes = consumed - (unterminated ? 0 : 1);
    if (!truncated && textEnd > start && buf[textEnd - 1] === 13) {
      textEnd--; // CRLF: the \r belongs to the line end
      bytes--;
    }
    let text = ascii !== null ? ascii.slice(start, textEnd) : buf.toString('utf8', start, textEnd);
    let invalidUtf8 = false;
    if (ascii === null && text.includes('\uFFFD')) invalidUtf8 = !isUtf8(buf.subarray(start, textEnd));
    let hadNul = false;
    if (text.includes('\0')) {
      hadNul = true;
      text = text.replaceAll('\0', '\u2400');
    }
    this.lineNo++;
    const offset = this.offset;
    this.offset += consumed;
    this.sink({ text, lineNo: this.lineNo, offset, end: this.offset, bytes, invalidUtf8, hadNul, truncated, unterminated });
  }
}
