/**
 * `$request` is whatever the client sent as its first line: usually "METHOD URI PROTOCOL", sometimes a
 * TLS ClientHello logged as `\x16\x03\x01…`, "-" (connection closed before a request line) or "".
 * Junk is a fact about the request, not a parse failure: it yields `junk: true`, never a reject.
 */

export interface RequestLine {
  readonly method: string | null;
  /** URI as logged, query included */
  readonly uri: string | null;
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
  readonly junk: boolean;
}

const JUNK: RequestLine = { method: null, uri: null, path: null, query: null, protocol: null, junk: true };

// Method: an RFC 9110 token (nginx logs "PATCHp" or "geti" as sent, then answers 400). URI: anything
// up to an optional trailing protocol; HTTP/0.9 requests carry no protocol.
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S(?:.*?\S)??)(?: (HTTP\/\d+(?:\.\d+)?))?$/;

let lastText = '';
let lastResult: RequestLine = JUNK;

export function parseRequestLine(text: string | null): RequestLine {
  if (text === null || text === '' || text === '-') return JUNK;
  if (text === lastText) return lastResult;
  const m = REQUEST_LINE.exec(text);
  let result: RequestLine;
  if (!m || m[2]!.startsWith('\\x')) {
    result = JUNK;
  } else {
    const uri = m[2]!;
    const q = uri.indexOf('?');
    result = {
      method: m[1]!,
      uri,
      path: q < 0 ? uri : uri.slice(0, q),
      query: q < 0 ? null : uri.slice(q + 1),
      protocol: m[3] ?? null,
      junk: false,
    };
  }
  lastText = text;
  lastResult = result;
  return result;
}

export interface RequestParts {
  readonly method: string | null;
  readonly uri: string | null;
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
}

/**
 * Fields a format logs on their own ($request_method, $request_uri, $uri, $args …) win; the request
 * line fills the rest, and without one a logged URI still gives path and query.
 */
export function mergeRequestParts(own: RequestParts, request: string | null, rl: RequestLine): RequestParts {
  if (request !== null && !rl.junk) {
    return {
      method: own.method ?? rl.method, uri: own.uri ?? rl.uri, path: own.path ?? rl.path,
      query: own.query ?? rl.query, protocol: own.protocol ?? rl.protocol,
    };
  }
  if (own.uri !== null) {
    const q = own.uri.indexOf('?');
    return { ...own, path: own.path ?? (q < 0 ? own.uri : own.uri.slice(0, q)), query: own.query ?? (q < 0 ? null : own.uri.slice(q + 1)) };
  }
  return own;
}
