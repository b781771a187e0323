/**
 * Errors a user can cause and fix. Each carries a code; the CLI's one error boundary maps them to
 * exit codes (usage → 2, everything else → 1) and prints the message, which says how to fix it.
 */
export class UsageError extends Error {
  readonly code = 'usage';
}

export class QueryError extends Error {
  readonly code = 'query';
}
