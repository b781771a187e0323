/**
 * directive-table.ts compiled once into lookups: name → the rules for each context it may appear
 * in, and the third-party names the audit notes instead of refusing.
 */
import { NGINX_DIRECTIVE_ROWS, THIRD_PARTY_MODULES } from './directive-table.js';

export const CONTEXTS = [
  'main',
  'events',
  'http',
  'server',
  'location',
  'upstream',
  'server_if',
  'location_if',
  'limit_except',
  'mail',
  'mail_server',
  'stream',
  'stream_server',
  'stream_upstream',
] as const;
export type Context = (typeof CONTEXTS)[number];

/** How nginx names each context in its docs ("Context: http, server, location"). */
export const CONTEXT_LABEL: Readonly<Record<Context, string>> = {
  main: 'the main context',
  events: 'events',
  http: 'http',
  server: 'server',
  location: 'location',
  upstream: 'upstream',
  server_if: 'if in server',
  location_if: 'if in location',
  limit_except: 'limit_except',
  mail: 'mail',
  mail_server: 'server in mail',
  stream: 'stream',
  stream_server: 'server in stream',
  stream_upstream: 'upstream in stream',
};

export type ValueCheck =
  | { readonly kind: 'msec' | 'sec' | 'size' | 'offset' | 'number' | 'flag' | 'str' | 'proxy_url' | 'skip' }
  | { readonly kind: 'enum' | 'bitmask'; readonly values: readonly string[] };

export interface DirectiveRule {
  readonly name: string;
  readonly contexts: ReadonlySet<Context>;
  /** Allowed argument counts; `min` instead for 1+ / 2+; both undefined for any. */
  readonly counts?: ReadonlySet<number>;
  readonly min?: number;
  readonly argsText: string;
  /** The block this directive opens: a context, `if` (server_if / location_if by parent), or `free` (map{}, types{}). */
  readonly opens?: Context | 'if' | 'free';
  /** One check per argument position; a bitmask check applies to every argument. */
  readonly checks: readonly ValueCheck[];
  readonly once: boolean;
  readonly removed: boolean;
}

function compileValue(word: string): ValueCheck {
  const [kind = '', list] = word.split(':');
  if (kind === 'enum' || kind === 'bitmask') return { kind, values: (list ?? '').split('|') };
  if (kind === '-') return { kind: 'skip' };
  if (['msec', 'sec', 'size', 'offset', 'number', 'flag', 'str', 'proxy_url'].includes(kind)) return { kind } as ValueCheck;
  throw new Error(`directive-table.ts: unknown value check "${word}"`);
}

function compileRow([name, contexts, args, value = '', status]: (typeof NGINX_DIRECTIVE_ROWS)[number]): DirectiveRule {
  const ctx = contexts === 'any' ? new Set<Context>(CONTEXTS) : new Set(contexts.split(' ') as Context[]);
  for (const c of ctx) if (!(CONTEXTS as readonly string[]).includes(c)) throw new Error(`directive-table.ts: ${name}: unknown context "${c}"`);
  const words = value.split(' ').filter((w) => w !== '');
  const once = words[0] === '!';
  if (once) words.shift();
  const block = words[0]?.match(/^\{(\w+)\}$/)?.[1];
  const counts = /^[\d,]+$/.test(args) ? new Set(args.split(',').map(Number)) : undefined;
  const min = /^\d\+$/.test(args) ? Number(args[0]) : undefined;
  return {
    name,
    contexts: ctx,
    ...(counts ? { counts } : {}),
    ...(min !== undefined ? { min } : {}),
    argsText: args,
    ...(block !== undefined ? { opens: block as Context | 'if' | 'free' } : {}),
    checks: block !== undefined ? [] : words.map(compileValue),
    once,
    removed: status === 'removed',
  };
}

const RULES = new Map<string, DirectiveRule[]>();
for (const row of NGINX_DIRECTIVE_ROWS) {
  const rule = compileRow(row);
  const list = RULES.get(rule.name) ?? [];
  list.push(rule);
  RULES.set(rule.name, list);
}

export const rulesFor = (name: string): readonly DirectiveRule[] | undefined => RULES.get(name);

const THIRD_PARTY: readonly { readonly module: string; readonly exact: boolean; readonly test: (name: string) => boolean }[] = THIRD_PARTY_MODULES.flatMap(([module, names]) =>
  names.split(' ').map((pattern) => ({
    module,
    exact: !pattern.includes('*'),
    test: pattern.endsWith('*')
      ? (n: string): boolean => n.startsWith(pattern.slice(0, -1))
      : pattern.startsWith('*')
        ? (n: string): boolean => n.endsWith(pattern.slice(1))
        : (n: string): boolean => n === pattern,
  })),
);

/**
 * The third-party module a directive name belongs to, when it is one droptrace knows of. A name
 * matched only by a prefix (`set_*`, `upload_*`) that is one edit away from nginx's own directive
 * is taken for a typo of it (`set_real_ip_form`), not for the module's.
 */
export function thirdPartyModule(name: string): string | undefined {
  const hit = THIRD_PARTY.find((t) => t.test(name));
  if (!hit || hit.exact) return hit?.module;
  return nearestDirective(name, 1) === undefined ? hit.module : undefined;
}

/** "1 argument", "1 or 2 arguments", "at least 1 argument", "no arguments". */
export function describeArgs(rule: DirectiveRule): string {
  if (rule.min !== undefined) return `at least ${rule.min} argument${rule.min === 1 ? '' : 's'}`;
  if (!rule.counts) return 'any number of arguments';
  const list = [...rule.counts].sort((a, b) => a - b);
  if (list.length === 1 && list[0] === 0) return 'no arguments';
  const last = list[list.length - 1] as number;
  const text = list.length === 1 ? String(last) : `${list.slice(0, -1).join(', ')} or ${last}`;
  return `${text} argument${list.length === 1 && last === 1 ? '' : 's'}`;
}

export const acceptsCount = (rule: DirectiveRule, n: number): boolean =>
  rule.min !== undefined ? n >= rule.min : rule.counts ? rule.counts.has(n) && n <= 7 : true;

/** The closest known name within `maxEdits` edits, for "did you mean"; short names are left alone. */
export function nearestDirective(name: string, maxEdits = 2): string | undefined {
  if (name.length < 5) return undefined;
  let best: string | undefined;
  let bestDist = maxEdits + 1;
  for (const known of RULES.keys()) {
    if (Math.abs(known.length - name.length) >= bestDist) continue;
    const d = editDistance(name, known, bestDist);
    if (d < bestDist) {
      best = known;
      bestDist = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent swaps counted as one edit, giving up at `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] as number) + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= limit) return limit;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] as number;
}
