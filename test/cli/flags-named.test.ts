/**
 * Every `--flag` droptrace's own text names (reject reasons, hints, errors, option help) is a flag the
 * CLI registers, on the command whose user reads it: a reject reason once said `--format json` where
 * ingest's flag is `--log-format`, and `query --format` existing elsewhere hid it. String literals are
 * read from the sources with the TypeScript parser (comments are not user-facing); the options are
 * read from the commander tree the CLI itself builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import ts from 'typescript';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { GUNICORN_OPTIONS, UVICORN_OPTIONS } from '../../src/audit/app-server/argv.js';
import { repoRoot } from '../helpers.js';

interface Named {
  readonly file: string;
  readonly flag: string;
  /** The word after the flag, when it is one (a value to check against the option's choices). */
  readonly value: string | null;
  /** The string it was found in, up to the flag (to see which program it belongs to). */
  readonly before: string;
}

/**
 * Other programs' flags our text quotes: the app server's (advice, audit findings: gunicorn's and
 * uvicorn's option tables plus the logging ones the advice names), a cloud CLI's, kubectl's. In the
 * parsers and the ingest, whose text is about droptrace's own input, such a flag passes only where
 * its program is named earlier in the same string ("gunicorn's access log (--access-logfile)").
 */
const FOREIGN: Readonly<Record<string, readonly string[]>> = {
  gunicorn: [...GUNICORN_OPTIONS.flatMap((o) => o.flags), '--access-logfile', '--error-logfile', '--log-level', '--log-config', '--capture-output', '--max-requests-jitter'],
  uvicorn: UVICORN_OPTIONS.flatMap((o) => o.flags),
  aws: ['--load-balancer-arn', '--load-balancer-name', '--load-balancer-attributes', '--attributes'],
  gcloud: ['--format', '--timeout'],
  kubectl: ['--prefix', '--timestamps'],
};

/** Files whose strings are other programs' command lines as data (the app-server argv tables). */
const FOREIGN_FILES = new Set(['src/audit/app-server/argv.ts']);

/** Text the ingest prints (reject reasons, detection and format errors): ingest's (and analyze's) flags only. */
const isIngestText = (file: string): boolean => file.startsWith('parsers/') || file.startsWith('src/ingest/');

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'parsers'));
  return out;
}

function flagsNamed(root: string): Named[] {
  const named: Named[] = [];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path);
    if (FOREIGN_FILES.has(file)) continue;
    const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
    const visit = (n: ts.Node): void => {
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
        for (const m of n.text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*\*?)(?:[ =]([a-z][a-z0-9_-]*)\b)?/g)) {
          named.push({ file, flag: m[1]!, value: m[2] ?? null, before: n.text.slice(0, m.index) });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return named;
}

const isForeign = (n: Named): boolean =>
  Object.entries(FOREIGN).some(([program, flags]) => flags.includes(n.flag) && (!isIngestText(n.file) || new RegExp(`\\b${program}\\b`).test(n.before)));

async function optionsByCommand(): Promise<Map<string, Map<string, readonly string[] | undefined>>> {
  const sink = new PassThrough();
  const program = await buildProgram({ stdout: sink, stderr: sink, stdin: new PassThrough(), env: {}, cwd: repoRoot(), setExitCode: () => {} });
  const out = new Map<string, Map<string, readonly string[] | undefined>>();
  const walk = (c: Command, path: string): void => {
    const opts = new Map<string, readonly string[] | undefined>([['--help', undefined]]);
    for (const o of c.options) {
      if (o.long) opts.set(o.long, o.argChoices);
      if (o.negate && o.long) opts.set(o.long, undefined);
    }
    out.set(path, opts);
    for (const sub of c.commands) walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  walk(program, '');
  return out;
}

test('every --flag droptrace text names is a registered option of the command that prints it', async () => {
  const root = repoRoot();
  const named = flagsNamed(root);
  assert.ok(named.length > 50, `found only ${named.length} flags: the extraction is broken`);
  const commands = await optionsByCommand();
  assert.ok(commands.get('ingest')?.has('--log-format'), 'the commander tree has no ingest --log-format: the walk is broken');
  const anywhere = new Set([...commands.values()].flatMap((o) => [...o.keys()]));
  const wrong: string[] = [];
  for (const n of named) {
    if (isForeign(n)) continue;
    // The text names its command (`droptrace audit … --format json`, "analyze --tz"): check there.
    const said = [...n.before.matchAll(/(?:droptrace |`)(ingest|analyze|report|requests|trace|correlate|query|audit|probe|export) /g)].at(-1)?.[1];
    // analyze takes every ingest option: ingest's are the ones its text may name (analyze's --format is the report's).
    const readers = said !== undefined && commands.has(said) ? [said] : isIngestText(n.file) ? ['ingest'] : null;
    const where = readers === null ? null : readers.map((r) => commands.get(r)).filter((o) => o !== undefined);
    // `--lb-*` names a family of flags: some option must start so.
    const has = (flags: Iterable<string>): boolean =>
      n.flag.endsWith('*') ? [...flags].some((f) => f.startsWith(n.flag.slice(0, -1))) : [...flags].includes(n.flag);
    const found = where === null ? has(anywhere) : where.some((o) => has(o.keys()));
    if (!found) {
      wrong.push(`${n.file}: ${n.flag} is no option of ${readers?.join('/') ?? 'any command'}`);
      continue;
    }
    // A value named with a flag of fixed choices must be one of them (`--format json` where json is no choice).
    if (n.value !== null && where !== null) {
      const choices = where.map((o) => o.get(n.flag)).find((c) => c !== undefined);
      if (choices !== undefined && !choices.includes(n.value)) wrong.push(`${n.file}: ${n.flag} ${n.value} is not one of ${choices.join(', ')}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the check sees a wrong flag: ingest has no --format', async () => {
  const commands = await optionsByCommand();
  assert.equal(commands.get('ingest')?.has('--format'), false);
  assert.equal(commands.get('query')?.has('--format'), true);
});
