/**
 * `--fail-on` rules: "silent>0", "client_abort>1%", "worker_timeout>=1", "wasted_work>5". The name
 * is a verdict, a flag, or `failed` / `requests`; the value a count, or a percentage of all requests.
 * Parsing returns a result (a bad rule is a usage error the CLI reports), evaluation is pure.
 */
import { VERDICT_IDS, FLAGS } from '../domain/verdicts.js';

export type Operator = '>' | '>=' | '<' | '<=' | '=';

export interface FailOnRule {
  readonly text: string;
  readonly name: string;
  readonly op: Operator;
  readonly value: number;
  readonly percent: boolean;
}

export type ParseRuleResult = { readonly ok: true; readonly rule: FailOnRule } | { readonly ok: false; readonly error: string };

export const RULE_NAMES: readonly string[] = ['failed', 'requests', ...VERDICT_IDS, ...FLAGS.map((f) => f.id)];

const RULE = /^\s*([a-z_]+)\s*(>=|<=|>|<|==?)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

export function parseFailOnRule(text: string): ParseRuleResult {
  const m = RULE.exec(text);
  if (!m) {
    return { ok: false, error: `--fail-on "${text}": write NAME OP VALUE, e.g. silent>0, client_abort>1%, worker_timeout>=1 (operators > >= < <= =)` };
  }
  const name = m[1]!;
  if (!RULE_NAMES.includes(name)) {
    return { ok: false, error: `--fail-on "${text}": unknown name "${name}"; use one of ${RULE_NAMES.join(', ')}` };
  }
  const op = (m[2] === '==' ? '=' : m[2]) as Operator;
  const percent = m[4] === '%';
  const value = Number(m[3]);
  if (percent && value > 100) return { ok: false, error: `--fail-on "${text}": a percentage above 100 can never hold` };
  return { ok: true, rule: { text: text.trim(), name, op, value, percent } };
}

export interface RuleOutcome {
  readonly rule: FailOnRule;
  /** the count, or the percentage when the rule is a percentage */
  readonly actual: number;
  readonly count: number;
  readonly held: boolean;
}

/** `counts` maps each rule name to its count; `total` is the number of requests. */
export function evaluateRule(rule: FailOnRule, counts: Readonly<Record<string, number>>, total: number): RuleOutcome {
  const count = counts[rule.name] ?? 0;
  // No requests: a percentage is 0, so "x>1%" does not hold and "requests<1" does.
  const actual = rule.percent ? (total === 0 ? 0 : (count / total) * 100) : count;
  const held = compare(actual, rule.op, rule.value);
  return { rule, actual, count, held };
}

function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '=': return Math.abs(a - b) < 1e-9;
  }
}

export function describeOutcome(o: RuleOutcome, total: number): string {
  const actual = o.rule.percent ? `${o.actual.toFixed(2)}% (${o.count} of ${total})` : `${o.count}`;
  return `--fail-on ${o.rule.text} held: ${o.rule.name} = ${actual}`;
}
