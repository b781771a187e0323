/**
 * What nginx checks before it uses a directive, in ngx_conf_handler's order: is the name known, is
 * it allowed in this block, does it open a block or end with ";", how many arguments, then the
 * value its setter parses ("invalid value", "is duplicate"). Rules come from directive-table.ts;
 * the few checks here that the table cannot say (location modifiers, upstream and log_format
 * names, error_log levels, map lines) are the ones the audit's own reading depends on.
 *
 * A statement nginx would refuse is a ConfProblem cited at the line nginx cites: where its ";" or
 * "{" is, which for a directive missing its ";" is the line after it.
 */
import type { ConfProblem } from './conf-error.js';
import { acceptsCount, CONTEXT_LABEL, describeArgs, nearestDirective, rulesFor, thirdPartyModule, type Context, type DirectiveRule, type ValueCheck } from './grammar.js';
import { quoteText } from './tokenize.js';
import { flagProblem, numberProblem, oneOfProblem, proxyUrlProblem, sizeProblem, timeProblem } from './values.js';

export interface Word {
  readonly text: string;
  readonly line: number;
}

export interface Statement {
  readonly name: string;
  readonly args: readonly Word[];
  readonly file: string;
  /** Where the directive's name is. */
  readonly line: number;
  /** Where its ";" or "{" is: the line nginx cites. */
  readonly endLine: number;
  readonly opensBlock: boolean;
}

/** The block a statement sits in, as far as checking goes. */
export interface BlockState {
  /** `free`: map{}, types{} and the like hold key/value lines; `opaque`: a third-party block droptrace does not know. */
  readonly ctx: Context | 'free' | 'opaque';
  /** The directive that opened it ("" at the main level). */
  readonly name: string;
  /** Directives nginx allows once per block, with where they first were. */
  readonly once: Map<string, string>;
}

/** Loader-wide facts some checks need. */
export interface CheckState {
  /** Read from `nginx -T`: nginx already accepted every directive, so an unknown one comes from a module. */
  readonly dump: boolean;
  /** Where a load_module was seen, if any. */
  loadModule: string | undefined;
  readonly upstreams: Map<string, string>;
  readonly logFormats: Map<string, string>;
}

export type CheckOutcome =
  | { readonly kind: 'ok'; readonly opens?: BlockState['ctx'] }
  /** text: see NoteHit (`{subjects}`, `{this}`). */
  | { readonly kind: 'note'; readonly key: string; readonly text: string; readonly opens?: 'opaque' }
  | { readonly kind: 'error'; readonly problem: ConfProblem };

const ERROR_LEVELS = new Set(['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg']);
const LOCATION_MODIFIERS = new Set(['=', '~', '~*', '^~']);

const at = (s: Statement): string => `${s.file}:${s.line}`;
const q = (text: string): string => `"${quoteText(text)}"`;

function problem(s: Statement, message: string, fix: string): CheckOutcome {
  const started = s.line !== s.endLine ? ` (the directive starts on line ${s.line})` : '';
  return { kind: 'error', problem: { file: s.file, line: s.endLine, message: message + started, fix } };
}

export function checkStatement(s: Statement, block: BlockState, state: CheckState): CheckOutcome {
  if (block.ctx === 'opaque') return { kind: 'ok', ...(s.opensBlock ? { opens: 'opaque' as const } : {}) };
  if (block.ctx === 'free') return checkFreeLine(s, block);
  const rules = rulesFor(s.name);
  if (!rules) return unknownDirective(s, block, state);
  const rule = rules.find((r) => r.contexts.has(block.ctx as Context));
  if (!rule) {
    const contexts = new Set(rules.flatMap((r) => [...r.contexts]));
    const allowed = [...contexts].map((c) => CONTEXT_LABEL[c]).join(', ');
    // A conf.d/ or sites-enabled/ file given on its own: its server{} sits inside http{} only once included.
    const snippet = block.ctx === 'main' && (contexts.has('http') || contexts.has('server') || contexts.has('location'));
    const fix = snippet
      ? `this file looks like one nginx.conf includes inside http { … } (conf.d/, sites-enabled/): give --nginx-conf the main nginx.conf, or \`nginx -T\` output`
      : `move it into a block where nginx takes it: ${allowed}`;
    return problem(s, `"${s.name}" directive is not allowed here (in ${CONTEXT_LABEL[block.ctx as Context]})`, fix);
  }
  if (!rule.opens && s.opensBlock) {
    return problem(s, `directive "${s.name}" is not terminated by ";"`, `"${s.name}" is not a block: end it with ";" (a "}" or ";" may be missing before the "{")`);
  }
  if (rule.opens && !s.opensBlock) return problem(s, `directive "${s.name}" has no opening "{"`, `"${s.name}" opens a block: write ${s.name} … { … }`);
  if (!acceptsCount(rule, s.args.length)) return wrongArgCount(s, rule);
  if (rule.once) {
    const first = block.once.get(s.name);
    if (first !== undefined) return problem(s, `"${s.name}" directive is duplicate (first set at ${first})`, `keep one "${s.name}" in this ${CONTEXT_LABEL[block.ctx as Context]} block`);
    block.once.set(s.name, at(s));
  }
  const bad = checkValues(s, rule.checks);
  if (bad) return bad;
  const special = checkSpecial(s, block, state);
  if (special) return special;
  if (s.name === 'load_module') state.loadModule ??= at(s);
  if (rule.removed) {
    return {
      kind: 'note',
      key: 'removed',
      text: `{subjects}: no longer in current nginx (newer versions refuse {it}${s.name === 'ssl' ? '; write "listen … ssl" instead of "ssl on"' : ''}); droptrace does not read {this}`,
    };
  }
  if (!rule.opens) return { kind: 'ok' };
  const opens: BlockState['ctx'] = rule.opens === 'if' ? (block.ctx === 'server' ? 'server_if' : 'location_if') : rule.opens;
  return { kind: 'ok', opens };
}

function wrongArgCount(s: Statement, rule: DirectiveRule): CheckOutcome {
  const found = s.args.length === 0 ? 'none' : `${s.args.length} (${s.args.map((a) => q(a.text)).join(' ')})`;
  // A lost ";" makes the next line's directive part of this one: name it.
  const swallowed = s.args.find((a, i) => a.line > s.line && rulesFor(a.text) !== undefined && (s.args[i - 1]?.line ?? s.line) < a.line);
  const fix = swallowed
    ? `end line ${swallowed.line - 1} with ";": "${swallowed.text}" on line ${swallowed.line} is read as an argument of "${s.name}"`
    : `"${s.name}" takes ${describeArgs(rule)}`;
  return problem(s, `invalid number of arguments in "${s.name}" directive: it takes ${describeArgs(rule)}, found ${found}`, fix);
}

function checkValues(s: Statement, checks: readonly ValueCheck[]): CheckOutcome | undefined {
  for (const [i, check] of checks.entries()) {
    const targets = check.kind === 'bitmask' ? s.args : s.args[i] ? [s.args[i] as Word] : [];
    for (const arg of targets) {
      const why = valueProblem(arg.text, check);
      if (why === null) continue;
      if (check.kind === 'flag') return problem(s, `invalid value ${q(arg.text)} in "${s.name}" directive, ${why}`, `write ${s.name} on; or ${s.name} off;`);
      if (check.kind === 'number') return problem(s, `"${s.name}" directive invalid number: ${why}`, `write a whole number, e.g. ${s.name} 100;`);
      if (check.kind === 'enum' || check.kind === 'bitmask') return problem(s, `invalid value ${q(arg.text)} in "${s.name}" directive: ${why}`, `use one of: ${check.values.join(', ')}`);
      if (check.kind === 'proxy_url') return problem(s, `invalid URL prefix in "${s.name}" directive: ${why}`, `write ${s.name} http://${arg.text}; (or https://, or an upstream name after http://)`);
      return problem(s, `"${s.name}" directive invalid value: ${why}`, fixFor(check, s.name));
    }
  }
  return undefined;
}

function valueProblem(text: string, check: ValueCheck): string | null {
  // A value with variables is computed per request by the directives that allow it; nginx checks it then.
  switch (check.kind) {
    case 'msec':
    case 'sec':
      return timeProblem(text, check.kind);
    case 'size':
      return sizeProblem(text, false);
    case 'offset':
      return sizeProblem(text, true);
    case 'number':
      return numberProblem(text);
    case 'flag':
      return flagProblem(text);
    case 'enum':
    case 'bitmask':
      return oneOfProblem(text, check.values);
    case 'proxy_url':
      return proxyUrlProblem(text);
    default:
      return null;
  }
}

function fixFor(check: ValueCheck, name: string): string {
  if (check.kind === 'msec') return `write a time such as ${name} 30s; (units: ms, s, m, h, d, w; no fractions, no spaces)`;
  if (check.kind === 'sec') return `write a time in seconds or larger units, such as ${name} 1h; (units: s, m, h, d, w, M, y)`;
  return `write a size such as ${name} 64k; (units: k, m${check.kind === 'offset' ? ', g' : ''})`;
}

/** The checks nginx's own handlers make on the directives the audit reads. */
function checkSpecial(s: Statement, block: BlockState, state: CheckState): CheckOutcome | undefined {
  const args = s.args.map((a) => a.text);
  if (s.name === 'location' && args.length === 2 && !LOCATION_MODIFIERS.has(args[0] as string)) {
    return problem(s, `invalid location modifier ${q(args[0] as string)}`, 'a location takes =, ~, ~* or ^~ before its URI, or just the URI');
  }
  if (s.name === 'upstream' && block.ctx === 'http') {
    const name = (args[0] as string).toLowerCase();
    const first = state.upstreams.get(name);
    if (first !== undefined) return problem(s, `duplicate upstream ${q(args[0] as string)} (first defined at ${first})`, 'give each upstream{} block its own name, or merge them');
    state.upstreams.set(name, at(s));
  }
  if (s.name === 'log_format' && block.ctx === 'http') {
    const name = args[0] as string;
    const first = state.logFormats.get(name) ?? (name === 'combined' ? 'nginx itself (built in)' : undefined);
    if (first !== undefined) return problem(s, `duplicate "log_format" name ${q(name)} (defined by ${first})`, 'give this format its own name and use that name in access_log');
    state.logFormats.set(name, at(s));
    const escape = args[1]?.match(/^escape=(.*)$/s)?.[1];
    if (escape !== undefined && !['default', 'json', 'none'].includes(escape)) {
      return problem(s, `unknown log format escaping ${q(escape)}`, 'escape= takes default, json or none');
    }
  }
  if (s.name === 'error_log') {
    const bad = args.slice(1).find((a) => !ERROR_LEVELS.has(a) && !/^debug_(core|alloc|mutex|event|http|mail|stream)$/.test(a));
    if (bad !== undefined) return problem(s, `invalid log level ${q(bad)}`, `use one of: ${[...ERROR_LEVELS].join(', ')}`);
  }
  return undefined;
}

/** Lines of map{}, types{}, geo{}, split_clients{}, charset_map{}: only map's shape is checked, as the audit reads maps. */
function checkFreeLine(s: Statement, block: BlockState): CheckOutcome {
  if (s.opensBlock) return problem(s, `unexpected "{" in the "${block.name}" block`, `"${block.name}" holds key/value lines, not blocks: a "}" may be missing before this line`);
  if (block.name === 'map') {
    const n = s.args.length + 1;
    const flagLine = n === 1 && (s.name === 'hostnames' || s.name === 'volatile');
    if (!flagLine && n !== 2) {
      return problem(s, `invalid number of the map parameters: a map line is "key value;", found ${n} word${n === 1 ? '' : 's'}`, 'quote a key or value that holds spaces, and end each line with ";"');
    }
  }
  return { kind: 'ok' };
}

function unknownDirective(s: Statement, block: BlockState, state: CheckState): CheckOutcome {
  const name = quoteText(s.name);
  const opaque = s.opensBlock ? { opens: 'opaque' as const } : {};
  const module = thirdPartyModule(s.name);
  const unread = 'droptrace neither checks nor reads {this}';
  if (module !== undefined) {
    return { kind: 'note', key: `module:${module}`, text: `{subjects}: from ${module}, not nginx; ${unread} (nginx accepts {it} only where that module is loaded)`, ...opaque };
  }
  if (state.dump) {
    return { kind: 'note', key: 'unknown:dump', text: `{subjects}: not among nginx's own directives; nginx -T accepted {it}, so a module of that build provides {it}: ${unread}`, ...opaque };
  }
  const near = nearestDirective(s.name);
  const viaDump = 'if nginx -t accepts this config (a module provides the directive), give droptrace its `nginx -T` output instead: nginx -T | droptrace audit --nginx-conf -';
  if (near !== undefined) {
    return problem(s, `unknown directive "${name}" (in ${CONTEXT_LABEL[block.ctx as Context]}): did you mean "${near}"?`, `correct the spelling to "${near}"; ${viaDump}`);
  }
  if (state.loadModule !== undefined) {
    return {
      kind: 'note',
      key: 'unknown:load_module',
      text: `{subjects}: not among nginx's own directives; nginx accepts {it} only if a module loaded with load_module (${state.loadModule}) provides {it}: ${unread}`,
      ...opaque,
    };
  }
  return problem(s, `unknown directive "${name}" (in ${CONTEXT_LABEL[block.ctx as Context]})`, `correct its spelling, or load the module that provides it (load_module); ${viaDump}`);
}
