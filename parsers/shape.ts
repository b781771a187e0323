/**
 * A line shape: what one kind of line looks like, defined once beside its parser and used both by
 * that parser and by detection (src/ingest/detect.ts) and per-line routing. Shapes test the
 * unwrapped line (after parsers/wrapper.ts took any container/journald prefix off).
 */

/** The layer a shape belongs to (the same names as the ingest `--type`s). */
export type ShapeLayer = 'nginx-access' | 'nginx-error' | 'gunicorn' | 'app';

export interface LineShape {
  /** Stable name, printed in detection reasons */
  readonly name: string;
  readonly layer: ShapeLayer;
  /**
   * Whether a line of this shape can, by itself, only come from this layer. gunicorn's default
   * access line is nginx's combined line byte for byte: it is ambiguous, and only the rest of the
   * stream (gunicorn's own lines beside it) says whose it is.
   */
  readonly ambiguous: boolean;
  /** Does this unwrapped line have the shape? */
  test(inner: string): boolean;
}
