/** The errors of opening and writing a database, each with a code the CLI and tests can tell apart. */
export type StoreErrorCode = 'open-failed' | 'newer-schema' | 'readonly' | 'busy' | 'full';

export class StoreError extends Error {
  constructor(message: string, readonly code: StoreErrorCode, options?: { cause?: unknown }) {
    super(message, options);
  }
}
