/**
 * Puts a directive into each block with a given number of arguments and asks both nginx -t and the
 * loader what they make of it: allowed here, right argument count, known at all. Used by the
 * directive-table test (a sample, in CI) and by `node dist/test/audit/directive-sweep.js` (every
 * directive of the table, printing how many placements agree).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNginxConf } from '../../src/nginx-conf/load.js';
import { rulesFor, type Context, type ValueCheck } from '../../src/nginx-conf/grammar.js';
import { NGINX_DIRECTIVE_ROWS } from '../../src/nginx-conf/directive-table.js';

export const NGINX = '/usr/sbin/nginx';

/** The http-side blocks (stream and mail need modules Debian's nginx loads dynamically). */
export const SWEPT_CONTEXTS: readonly Context[] = ['main', 'events', 'http', 'server', 'location', 'upstream', 'server_if', 'location_if', 'limit_except'];

/** What the first complaint about the directive was, if any. */
export type Verdict = 'not-allowed' | 'arg-count' | 'unknown' | 'block-shape' | 'passes';

function classify(message: string | undefined, name: string): Verdict {
  if (message === undefined) return 'passes';
  if (message.startsWith(`"${name}" directive is not allowed here`)) return 'not-allowed';
  if (message.startsWith(`invalid number of arguments in "${name}"`)) return 'arg-count';
  if (message.startsWith(`unknown directive "${name}"`)) return 'unknown';
  if (message.startsWith(`directive "${name}" is not terminated`) || message.startsWith(`directive "${name}" has no opening`)) return 'block-shape';
  // a value or handler complaint: the directive got past the checks compared here
  return 'passes';
}

function placed(ctx: Context, statement: string): string {
  const wrap: Record<Context, (s: string) => string> = {
    main: (s) => `${s}\nevents {}\n`,
    events: (s) => `events {\n${s}\n}\n`,
    http: (s) => `events {}\nhttp {\n${s}\n}\n`,
    server: (s) => `events {}\nhttp {\nserver {\n${s}\n}\n}\n`,
    location: (s) => `events {}\nhttp {\nserver {\nlocation /sweep {\n${s}\n}\n}\n}\n`,
    upstream: (s) => `events {}\nhttp {\nupstream sweep {\nserver 127.0.0.1:9;\n${s}\n}\n}\n`,
    server_if: (s) => `events {}\nhttp {\nserver {\nif ($uri) {\n${s}\n}\n}\n}\n`,
    location_if: (s) => `events {}\nhttp {\nserver {\nlocation /sweep {\nif ($uri) {\n${s}\n}\n}\n}\n}\n`,
    limit_except: (s) => `events {}\nhttp {\nserver {\nlocation /sweep {\nlimit_except GET {\n${s}\n}\n}\n}\n}\n`,
    mail: (s) => s,
    mail_server: (s) => s,
    stream: (s) => s,
    stream_server: (s) => s,
    stream_upstream: (s) => s,
  };
  return wrap[ctx](statement);
}

/** A statement for `name` with `n` arguments, shaped as a block when nginx would expect one. */
function statement(name: string, n: number, block: boolean): string {
  const args = name === 'if' ? ['($uri)'].concat(Array(Math.max(0, n - 1)).fill('x')) : Array(n).fill(name === 'location' ? '/x' : 'x');
  return `${[name, ...args.slice(0, n)].join(' ')}${block ? ' { }' : ';'}`;
}

export interface Disagreement {
  readonly name: string;
  readonly context: Context;
  readonly args: number;
  readonly nginx: Verdict;
  readonly ours: Verdict;
  readonly nginxSaid: string;
}

export function sweep(names: readonly string[]): { placements: number; skippedUnknownToNginx: string[]; disagreements: Disagreement[] } {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-sweep-'));
  mkdirSync(join(dir, 'logs'));
  const file = join(dir, 'nginx.conf');
  const disagreements: Disagreement[] = [];
  const skipped: string[] = [];
  let placements = 0;
  for (const name of names) {
    const rules = rulesFor(name) ?? [];
    const block = rules.some((r) => r.opens !== undefined);
    const home = SWEPT_CONTEXTS.find((c) => rules.some((r) => r.contexts.has(c)));
    if (!home) continue;
    const firstCount = rules.find((r) => r.contexts.has(home))?.counts ? Math.min(...(rules.find((r) => r.contexts.has(home))?.counts ?? [1])) : (rules.find((r) => r.contexts.has(home))?.min ?? 1);
    const tries: { ctx: Context; n: number }[] = [...SWEPT_CONTEXTS.map((ctx) => ({ ctx, n: firstCount })), ...[0, 1, 2, 3, 4].map((n) => ({ ctx: home, n }))];
    for (const { ctx, n } of tries) {
      writeFileSync(file, placed(ctx, statement(name, n, block)));
      const r = spawnSync(NGINX, ['-t', '-q', '-c', file, '-p', dir, '-e', join(dir, 'logs/error.log')], { encoding: 'utf8' });
      const said = /\[emerg\] (.*) in \//.exec(r.stderr)?.[1];
      const nginx = classify(said, name);
      if (nginx === 'unknown') {
        skipped.push(name); // a module this nginx build lacks, or newer than it
        break;
      }
      const ours = loadNginxConf(file);
      const verdict = classify(ours.ok ? undefined : ours.error.message, name);
      placements++;
      if (verdict !== nginx) disagreements.push({ name, context: ctx, args: n, nginx, ours: verdict, nginxSaid: said ?? 'ok' });
    }
  }
  return { placements, skippedUnknownToNginx: skipped, disagreements };
}

const VALID: Readonly<Record<ValueCheck['kind'], string>> = { msec: '30s', sec: '30s', size: '64k', offset: '1m', number: '8', flag: 'on', str: 'x', proxy_url: 'http://127.0.0.1:9', skip: 'x', enum: '', bitmask: '' };
const INVALID: Partial<Record<ValueCheck['kind'], string>> = { msec: '30sec', sec: '5ms', size: '10mb', offset: '1t', number: '1k', flag: 'yes', proxy_url: '127.0.0.1:9', enum: 'zzz', bitmask: 'zzz' };
const sample = (c: ValueCheck, valid: boolean): string | undefined => (valid ? (c.kind === 'enum' || c.kind === 'bitmask' ? c.values[0] : VALID[c.kind]) : INVALID[c.kind]);

export interface ValueDisagreement {
  readonly name: string;
  readonly value: string;
  /** "refused": droptrace refuses what nginx takes (it would stop a good audit); "missed": the reverse. */
  readonly kind: 'refused' | 'missed';
  readonly nginxSaid: string;
}

/**
 * For every directive with value checks: a good value and a bad one (30sec, 10mb, yes, zzz …) in its
 * first http-side block; does nginx refuse the statement where droptrace does?
 */
export function sweepValues(names: readonly string[]): { statements: number; disagreements: ValueDisagreement[] } {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-sweep-'));
  mkdirSync(join(dir, 'logs'));
  const file = join(dir, 'nginx.conf');
  const disagreements: ValueDisagreement[] = [];
  let statements = 0;
  for (const name of names) {
    for (const rule of rulesFor(name) ?? []) {
      const home = SWEPT_CONTEXTS.find((c) => rule.contexts.has(c));
      if (!home || rule.checks.length === 0 || rule.opens) continue;
      for (const valid of [true, false]) {
        const values = rule.checks.map((c, i) => (i === 0 ? sample(c, valid) : sample(c, true)));
        if (values.some((v) => v === undefined)) continue;
        const text = `${name} ${values.join(' ')}`;
        writeFileSync(file, placed(home, `${text};`));
        const r = spawnSync(NGINX, ['-t', '-q', '-c', file, '-p', dir, '-e', join(dir, 'logs/error.log')], { encoding: 'utf8' });
        const said = /\[emerg\] (.*) in \/[^\n]*:(\d+)/.exec(r.stderr);
        if (said?.[1]?.startsWith('unknown directive')) break;
        const statementLine = placed(home, `${text};`).split('\n').findIndex((l) => l.startsWith(name)) + 1;
        const nginxRefuses = said !== null && Number(said[2]) === statementLine;
        const ours = loadNginxConf(file);
        const oursRefuses = !ours.ok && ours.error.line === statementLine;
        statements++;
        if (oursRefuses && !nginxRefuses) disagreements.push({ name, value: values.join(' '), kind: 'refused', nginxSaid: said?.[1] ?? 'ok' });
        if (!oursRefuses && nginxRefuses) disagreements.push({ name, value: values.join(' '), kind: 'missed', nginxSaid: said?.[1] ?? 'ok' });
      }
    }
  }
  return { statements, disagreements };
}

const everyHttpSideName = (): string[] => [...new Set(NGINX_DIRECTIVE_ROWS.filter((r) => r[4] !== 'removed').map((r) => r[0]))];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = everyHttpSideName();
  const started = process.hrtime.bigint();
  const r = sweep(names);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const d of r.disagreements) console.log(`DISAGREE ${d.name} in ${d.context} with ${d.args} args: nginx ${d.nginx} (${d.nginxSaid}), droptrace ${d.ours}`);
  console.log(`directives: ${names.length}; unknown to this nginx (skipped): ${r.skippedUnknownToNginx.length}; placements compared: ${r.placements}; disagreements: ${r.disagreements.length}; ${seconds.toFixed(1)} s`);
  const v = sweepValues(names);
  for (const d of v.disagreements) console.log(`VALUE ${d.kind.toUpperCase()} ${d.name} ${d.value}: nginx says ${d.nginxSaid}`);
  const refused = v.disagreements.filter((d) => d.kind === 'refused').length;
  console.log(`values: ${v.statements} statements compared; droptrace refuses what nginx takes: ${refused}; nginx refuses what droptrace takes: ${v.disagreements.length - refused}`);
  process.exitCode = r.disagreements.length > 0 || refused > 0 ? 1 : 0;
}
