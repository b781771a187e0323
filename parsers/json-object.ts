/**
 * One line as a JSON object, or null: for the readers that try JSON and fall back to other readings
 * (a delivery wrapper, structlog in a gunicorn stream, detection's key count). The parsers that must
 * say why a line is not one (NDJSON, JSON access logs, the cloud LBs) parse it themselves.
 */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
}
