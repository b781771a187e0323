/**
 * Questions about an ingest's result that callers ask without running an ingest themselves (the CLI's
 * clean-up of a store it created): kept apart from ingest.ts so that asking loads no parser.
 */
import type { IngestResult } from './ingest.js';

/** No input was stored (every path was missing, unreadable or unplaced): the store holds no file row. */
export const nothingStored = (r: IngestResult): boolean => r.files.every((f) => f.fileId === null);
