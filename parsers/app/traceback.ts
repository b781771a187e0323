/**
 * Which lines of a Python stderr belong to the record above them: tracebacks (with chained causes,
 * 3.11 exception groups and caret lines), faulthandler dumps after a WORKER TIMEOUT, and the
 * indented tail of a multi-line message. Stream context matters ("StopIteration" alone is an
 * exception line only right after a traceback frame), so the tracker is created once per file.
 */

/** Lines that open or continue a traceback wherever they appear. */
const TRACE_MARKERS: readonly RegExp[] = [
  /^Traceback \(most recent call last\):$/,
  /^During handling of the above exception, another exception occurred:$/,
  /^The above exception was the direct cause of the following exception:$/,
  /^(?:Current thread|Thread) 0x[0-9a-fA-F]+ \(most recent call first\):$/, // faulthandler
  /^Stack \(most recent call first\):$/,
  /^Fatal Python error: /,
  /^Exception Group Traceback \(most recent call last\):$/,
];

/** A line that opens or continues a traceback or a faulthandler dump wherever it appears. */
export const isTraceMarker = (line: string): boolean => TRACE_MARKERS.some((r) => r.test(line));

/** "ValueError: x", "pkg.mod.ProtocolError: bad", "KeyboardInterrupt": an exception line even out of context. */
const NAMED_EXCEPTION =
  /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Warning|Group|Iteration|Timeout|Stream)(?:: .*)?$/;
/** Inside a traceback any dotted identifier, optionally with ": message", is its exception line. */
const BARE_EXCEPTION = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:: .*)?$/;

export interface ContinuationTracker {
  /** Whether a line that matched no record layout belongs to the record above. */
  isContinuation(line: string): boolean;
  /** A record was emitted; a message that is empty or ends with ':' announces lines that follow. */
  noteRecord(message: string): void;
  /** A line that is neither a record header nor a continuation (an app's print()) ends any block. */
  reset(): void;
}

export function createContinuationTracker(): ContinuationTracker {
  let inTrace = false;
  let announced = false;
  return {
    isContinuation(line) {
      if (line.trim() === '') return inTrace || announced;
      const c = line.charCodeAt(0);
      if (c === 32 || c === 9) {
        inTrace = true;
        return true;
      }
      if (isTraceMarker(line) || NAMED_EXCEPTION.test(line)) {
        inTrace = true;
        return true;
      }
      if ((inTrace || announced) && BARE_EXCEPTION.test(line)) return true;
      if (announced) return true;
      inTrace = false;
      return false;
    },
    noteRecord(message) {
      inTrace = false;
      const m = message.trimEnd();
      announced = m === '' || m.endsWith(':');
    },
    reset() {
      inTrace = false;
      announced = false;
    },
  };
}
