/**
 * Endpoints: a path with its ids collapsed, so /api/items/17 and /api/items/18 rank as one. A
 * segment is an id when it is all digits, a UUID, or a long hex string (a hash, an object id).
 */
const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** 8+ hex digits with at least one digit: "deadbeef12", a Mongo ObjectId, a sha1 — not "feed" or "cafe". */
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;

export function isIdSegment(segment: string): boolean {
  return NUMERIC.test(segment) || UUID.test(segment) || HEX.test(segment);
}

/** "/api/items/42?x=1" → "/api/items/:id"; the query is dropped; null or empty → "(no path)". */
export function collapsePath(path: string | null | undefined): string {
  if (path === null || path === undefined || path === '') return '(no path)';
  const bare = path.split('?', 1)[0]!;
  return bare
    .split('/')
    .map((seg) => (seg !== '' && isIdSegment(seg) ? ':id' : seg))
    .join('/');
}
