/**
 * Evidence levels: what supports a verdict, a flag or a named culprit. A postmortem reader acts on
 * what the report says, so each claim says how it is known: `exact` (a log line says it), `inferred`
 * (a rule over timing, status or matching, named), or `cannot_tell` (named: the variable or log line
 * that would tell). The NDJSON, the report and `trace` show the level.
 */
import type { Flag } from './verdicts.js';

export type EvidenceLevel = 'exact' | 'inferred' | 'cannot_tell';

export interface Support {
  readonly level: EvidenceLevel;
  /** exact: the log line that says it; inferred: the rule applied */
  readonly rule?: string;
  /** cannot_tell: the variable or log line that would tell */
  readonly missing?: string;
}

export const exact = (rule: string): Support => ({ level: 'exact', rule });
export const inferred = (rule: string): Support => ({ level: 'inferred', rule });
export const cannotTell = (missing: string): Support => ({ level: 'cannot_tell', missing });

/** The evidence stored with a verdict row (request_verdicts.evidence, JSON). */
export interface VerdictEvidence {
  readonly verdict: Support;
  /** one entry per flag set on the request */
  flags: { -readonly [K in Flag]?: Support };
}

/** "inferred: <rule>" / "cannot tell: needs <missing>" — one line for text renderers. */
export function describeSupport(s: Support): string {
  return s.level === 'cannot_tell' ? `cannot tell: needs ${s.missing ?? '?'}` : `${s.level}: ${s.rule ?? ''}`;
}

/** The stall pass marks `stalled` after classification: its support is its window rule. */
export const STALL_SUPPORT: Support = inferred(
  'on the same worker pid a handler of ≥ 0.5 s started and completed nothing else meanwhile, and this request\'s handler was in flight or waiting when it returned');

/** The stored evidence with the stall flag's support added when the stall pass set it. */
export function withStall<T extends { readonly flags: VerdictEvidence['flags'] }>(e: T | null, stalled: boolean): T | null {
  if (e === null || !stalled || e.flags.stalled) return e;
  return { ...e, flags: { ...e.flags, stalled: STALL_SUPPORT } };
}
