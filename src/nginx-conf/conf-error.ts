/**
 * A config nginx itself would reject, said the way nginx says it (file:line) plus how to fix it.
 * Loading returns these as values; `NginxConfError` wraps one for the few APIs whose callers asked
 * for a plain return type (findLogFormat).
 */
export interface ConfProblem {
  readonly file: string;
  readonly line: number;
  /** Where `nginx -t` reports it, when that is not `line` (an unclosed block: nginx names the end of the file). */
  readonly nginxLine?: number;
  /** What nginx would complain about, in its own words where it has some. */
  readonly message: string;
  readonly fix: string;
}

export type ConfResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfProblem };

export const confOk = <T>(value: T): ConfResult<T> => ({ ok: true, value });
export const confFail = <T>(file: string, line: number, message: string, fix: string): ConfResult<T> => ({
  ok: false,
  error: { file, line, message, fix },
});

/** file:line, or only the file when the problem is about the file as a whole (line 0) */
export const formatProblem = (p: ConfProblem): string => `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.message}\n  fix: ${p.fix}`;

export class NginxConfError extends Error {
  readonly code = 'nginx-conf';
  constructor(readonly problem: ConfProblem) {
    super(formatProblem(problem));
  }
}
