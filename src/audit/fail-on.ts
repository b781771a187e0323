/**
 * `audit --fail-on`: the audit as a deployment gate. Each value is a severity (`error`, `warn`,
 * `info`: any finding at that severity or worse) or a rule id (that rule fired anywhere). Parsing
 * returns a result, so a name that is neither is a usage error that lists the valid ones; evaluation
 * is pure.
 */
import { AUDIT_RULES } from './rules/index.js';
import type { Finding, Severity } from './types.js';

export type AuditFailOn =
  | { readonly kind: 'severity'; readonly text: string; readonly severity: Severity }
  | { readonly kind: 'rule'; readonly text: string; readonly rule: string };

const SEVERITIES: readonly Severity[] = ['error', 'warn', 'info'];
const RANK: Readonly<Record<Severity, number>> = { error: 0, warn: 1, info: 2 };

/** Every value --fail-on accepts: the severities, then the rule ids in README order. */
export const AUDIT_FAIL_ON_NAMES: readonly string[] = [...SEVERITIES, ...AUDIT_RULES.map((r) => r.id)];

export function parseAuditFailOn(text: string): { ok: true; value: AuditFailOn } | { ok: false; error: string } {
  const name = text.trim();
  if ((SEVERITIES as readonly string[]).includes(name)) return { ok: true, value: { kind: 'severity', text: name, severity: name as Severity } };
  if (AUDIT_RULES.some((r) => r.id === name)) return { ok: true, value: { kind: 'rule', text: name, rule: name } };
  return { ok: false, error: `--fail-on "${text}": not a severity or an audit rule; use one of ${AUDIT_FAIL_ON_NAMES.join(', ')}` };
}

/** The findings that make this --fail-on hold (none: it does not). */
export function findingsFailing(f: AuditFailOn, findings: readonly Finding[]): Finding[] {
  return f.kind === 'severity' ? findings.filter((x) => RANK[x.severity] <= RANK[f.severity]) : findings.filter((x) => x.rule === f.rule);
}

const place = (f: Finding): string => (f.server === '*' && f.location === '*' ? 'app server' : f.location === '*' ? `server ${f.server}` : `${f.server} ${f.location}`);

/** "--fail-on warn held: 3 findings at warn or worse: retry-can-cascade (api.example.test /), …". */
export function describeAuditFailOn(f: AuditFailOn, hits: readonly Finding[]): string {
  const what = f.kind === 'severity' ? `${hits.length} finding${hits.length === 1 ? '' : 's'} at ${f.severity}${f.severity === 'error' ? '' : ' or worse'}` : `${f.rule} fired ${hits.length}×`;
  return `--fail-on ${f.text} held: ${what}: ${hits.map((h) => `${h.severity} ${h.rule} (${place(h)})`).join(', ')}`;
}
