/**
 * The contract every parser returns: a line goes in, one of these comes out. Expected failures are
 * values, never exceptions: a parser that throws is a bug (the fuzz tests check for it).
 */
export type ParseResult<R> =
  | ParsedRecord<R>
  | ParsedContinuation
  | ParsedIgnored
  | ParsedReject;

export interface ParsedRecord<R> {
  readonly kind: 'record';
  readonly record: R;
  /** Name of the pattern that matched, stored with the row (provenance, as lnav keeps it). */
  readonly pattern: string;
}

/** A line that belongs to the record above it: a traceback frame, a wrapped message. */
export interface ParsedContinuation {
  readonly kind: 'continuation';
  readonly text: string;
}

export interface ParsedReject {
  readonly kind: 'reject';
  /** What went wrong and, where it can, how the operator fixes it. */
  readonly reason: string;
  /** How many characters of the line the best pattern consumed before it failed. */
  readonly matchedUpTo?: number;
  /** The field the best pattern stopped at (`$request_time`, "the request line"), when the parser knows it. */
  readonly stoppedAt?: string;
}

export const record = <R>(rec: R, pattern: string): ParsedRecord<R> => ({ kind: 'record', record: rec, pattern });
export const continuation = (text: string): ParsedContinuation => ({ kind: 'continuation', text });
export const reject = (reason: string, matchedUpTo?: number, stoppedAt?: string): ParsedReject =>
  matchedUpTo === undefined ? { kind: 'reject', reason }
    : stoppedAt === undefined ? { kind: 'reject', reason, matchedUpTo } : { kind: 'reject', reason, matchedUpTo, stoppedAt };

/**
 * The reason a user reads (the rejects table, the ingest summary): the parser's reason, then how far
 * the best pattern got — "stopped at $request_time (column 87)" — unless the reason says that column
 * already. A pattern that matched nothing (column 1) adds nothing to say.
 */
export function describeReject(r: ParsedReject): string {
  if (r.matchedUpTo === undefined || r.matchedUpTo <= 0) return r.reason;
  const column = `column ${r.matchedUpTo + 1}`;
  if (new RegExp(`\\b${column}\\b`).test(r.reason)) return r.reason;
  return `${r.reason}: stopped at ${r.stoppedAt === undefined ? column : `${r.stoppedAt} (${column})`}`;
}

/** Options every parser factory accepts. */
export interface ParserOptions {
  /** IANA zone for timestamps that carry no offset. */
  readonly tz: string;
}

/** A parser bound to its options (format compiled, zone resolved) once per file, then called per line. */
export type LineParser<R> = (line: string) => ParseResult<R>;

/** A line the parser understood but that carries nothing to store (an app's startup message in its request log). */
export interface ParsedIgnored {
  readonly kind: 'ignored';
  readonly reason: string;
}
export const ignored = (reason: string): ParsedIgnored => ({ kind: 'ignored', reason });
