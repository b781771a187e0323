/**
 * Tokens → a directive tree, with `include` expanded in place as nginx does. Relative include paths
 * are resolved against the config prefix — the directory of the main config file — never against the
 * including file's directory (nginx.c sets conf_prefix from the -c path; ngx_conf_include uses it).
 * A glob that matches nothing is fine; a plain path that does not exist is an error, as in nginx.
 *
 * Every statement is checked as nginx checks it (check.ts) the moment it is read, in nginx's own
 * reading order, so the first problem reported is the one `nginx -t` reports. Directives nginx
 * would accept but droptrace does not know (third-party modules) become notes.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { confFail, confOk, type ConfProblem, type ConfResult } from './conf-error.js';
import { diskReader, hasGlob, memoryReader, type ConfReader, type ReadResult } from './reader.js';
import { looksLikeDump, splitDump } from './dump.js';
import { quoteText, tokenizeUntilError } from './tokenize.js';
import { checkStatement, type BlockState, type CheckState, type Word } from './check.js';
import { buildNotes, type NoteHit } from './notes.js';

export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
  /** Present for block directives (`http { … }`), even when empty. */
  readonly block?: readonly Directive[];
}

export interface ConfTree {
  readonly main: string;
  /** Every file read, in the order nginx reads them. */
  readonly files: readonly string[];
  readonly directives: readonly Directive[];
  /** What droptrace could not check or read although nginx may accept it (third-party directives), one line each. */
  readonly notes: readonly string[];
}

export const cite = (d: { file: string; line: number }): string => `${d.file}:${d.line}`;

// nginx has no limit, but an include cycle would otherwise never end.
const MAX_INCLUDE_DEPTH = 32;

export function loadNginxConf(mainPath: string, reader: ConfReader = diskReader()): ConfResult<ConfTree> {
  const r = reader.read(mainPath);
  if (!r.ok) return confFail(mainPath, 0, `cannot read the nginx config: open() "${mainPath}" failed (${r.reason})`, readFix(r, mainPath, '--nginx-conf'));
  if (looksLikeDump(r.text)) return loadNginxDump(r.text, mainPath);
  return loadFrom(mainPath, r.text, reader, false);
}

/** `nginx -T` output; `label` names where it came from (a file, or "-" for stdin) in errors. */
export function loadNginxDump(text: string, label = '-'): ConfResult<ConfTree> {
  const dump = splitDump(text);
  if (!dump) {
    return confFail(label, 1, 'no "# configuration file PATH:" header found: this is not `nginx -T` output', 'pipe `nginx -T` (not `nginx -t`) into droptrace, or give the nginx.conf path');
  }
  const mainText = dump.files.get(dump.main) ?? '';
  return loadFrom(dump.main, mainText, memoryReader(dump.files), true);
}

function readFix(r: Extract<ReadResult, { ok: false }>, path: string, via: string): string {
  if (r.code === 'EACCES' || r.code === 'EPERM') {
    return `droptrace runs as a user that may not read ${path} (nginx reads its config as root): run droptrace as a user that can, or pipe the config in: sudo nginx -T | droptrace audit --nginx-conf -`;
  }
  if (r.code === 'EISDIR') return `name a file, or a glob such as ${path.replace(/\/$/, '')}/*.conf`;
  return via === 'include' ? '' : `check the path given to ${via}`;
}

function loadFrom(mainPath: string, text: string, reader: ConfReader, dump: boolean): ConfResult<ConfTree> {
  const loader = new Loader(dirname(mainPath), reader, dump);
  const main: Block = { ctx: 'main', name: '', once: new Map(), items: [] };
  const failed = loader.parseFile(mainPath, text, 0, main);
  if (failed) return { ok: false, error: failed };
  return confOk({ main: mainPath, files: loader.files, directives: main.items, notes: buildNotes(loader.notes) });
}

interface Block extends BlockState {
  readonly items: Directive[];
}

/** A block being read in one file: what opened it, for the directive it becomes when it closes. */
interface OpenBlock {
  readonly block: Block;
  readonly opener?: { readonly name: string; readonly args: readonly string[]; readonly line: number; readonly endLine: number };
}

class Loader {
  readonly files: string[] = [];
  readonly notes: NoteHit[] = [];
  private readonly state: CheckState;
  constructor(
    private readonly prefix: string,
    private readonly reader: ConfReader,
    dump: boolean,
  ) {
    this.state = { dump, loadModule: undefined, upstreams: new Map(), logFormats: new Map() };
  }

  /** Reads one file into `base` (the block its include sits in); returns the first problem, as nginx stops at it. */
  parseFile(file: string, text: string, depth: number, base: Block): ConfProblem | undefined {
    this.files.push(file);
    const { tokens, error } = tokenizeUntilError(text, file);
    const stack: OpenBlock[] = [{ block: base }];
    let words: Word[] = [];
    for (const t of tokens) {
      const top = stack[stack.length - 1] as OpenBlock;
      if (t.kind === 'word') {
        words.push({ text: t.text, line: t.line });
        continue;
      }
      if (t.kind === '}') {
        if (words.length > 0) {
          const w = words[0] as Word;
          return { file, line: t.line, message: `unexpected "}": the directive "${quoteText(w.text)}" on line ${w.line} has no ";"`, fix: `end "${quoteText(w.text)}" with ";"` };
        }
        if (!top.opener) return { file, line: t.line, message: 'unexpected "}"', fix: 'remove the extra "}" or add the "{" block it was meant to close' };
        stack.pop();
        const parent = (stack[stack.length - 1] as OpenBlock).block;
        const d: Directive = { name: top.block.name, args: top.opener.args, file, line: top.opener.line, block: top.block.items };
        parent.items.push(d);
        if (d.name === 'http') {
          const dup = duplicateLocation(d.block ?? [], this.openLines);
          if (dup) return dup;
        }
        continue;
      }
      const head = words[0];
      if (!head) return { file, line: t.line, message: `unexpected "${t.kind}"`, fix: t.kind === '{' ? 'a block needs a directive name before "{"' : 'remove the stray ";"' };
      const args = words.slice(1);
      words = [];
      const opensBlock = t.kind === '{';
      const outcome = checkStatement({ name: head.text, args, file, line: head.line, endLine: t.line, opensBlock }, top.block, this.state);
      if (outcome.kind === 'error') return outcome.problem;
      if (outcome.kind === 'note') this.notes.push({ key: outcome.key, subject: quoteText(head.text), text: outcome.text, where: `${file}:${head.line}` });
      const argTexts = args.map((a) => a.text);
      if (opensBlock) {
        const block: Block = { ctx: outcome.opens ?? 'opaque', name: head.text, once: new Map(), items: [] };
        this.openLines.set(block.items, t.line);
        stack.push({ block, opener: { name: head.text, args: argTexts, line: head.line, endLine: t.line } });
        continue;
      }
      const d: Directive = { name: head.text, args: argTexts, file, line: head.line };
      if (d.name === 'include' && argTexts.length === 1) {
        const failed = this.include(d, depth, top.block);
        if (failed) return failed;
        continue;
      }
      top.block.items.push(d);
    }
    if (error) return error;
    const last = stack[stack.length - 1] as OpenBlock;
    const eofLine = text.split('\n').length;
    if (words.length > 0) {
      const w = words[0] as Word;
      const name = quoteText(w.text);
      return { file, line: w.line, nginxLine: eofLine, message: `unexpected end of file, expecting ";" or "}": the directive "${name}" is never ended (nginx reports it at line ${eofLine})`, fix: `end "${name}" with ";"` };
    }
    if (last.opener) {
      const opened = quoteText([last.opener.name, ...last.opener.args].join(' '));
      return { file, line: last.opener.line, nginxLine: eofLine, message: `unexpected end of file, expecting "}": the "${opened}" block opened here is never closed (nginx reports it at line ${eofLine})`, fix: 'add the missing "}" where the block should end' };
    }
    return undefined;
  }

  /** The "{" line of each block, by its item list: nginx cites a duplicate location there. */
  readonly openLines = new WeakMap<readonly Directive[], number>();

  private include(d: Directive, depth: number, into: Block): ConfProblem | undefined {
    const arg = d.args[0] as string;
    if (depth >= MAX_INCLUDE_DEPTH) {
      return { file: d.file, line: d.line, message: `includes nested more than ${MAX_INCLUDE_DEPTH} deep (an include cycle?)`, fix: 'remove the include that leads back to an including file' };
    }
    const path = isAbsolute(arg) ? arg : join(this.prefix, arg);
    const paths = hasGlob(arg) ? this.reader.glob(path) : [path];
    for (const p of paths) {
      const r = this.reader.read(p);
      if (!r.ok) {
        const fix =
          r.code === 'ENOENT'
            ? `create ${p}, fix the path (relative paths are resolved against ${this.prefix}/, the directory of the main config), or remove the include`
            : readFix(r, p, 'include');
        return { file: d.file, line: d.line, message: `open() "${p}" failed (${r.reason})`, fix };
      }
      const failed = this.parseFile(p, r.text, depth + 1, into);
      if (failed) return failed;
    }
    return undefined;
  }
}

/**
 * Two prefix (or two exact) locations with the same URI at the same level: nginx finds them once the
 * http block is read and cites the second one's "{" line. Regex and named locations may repeat.
 */
function duplicateLocation(http: readonly Directive[], openLines: WeakMap<readonly Directive[], number>): ConfProblem | undefined {
  const pending: (readonly Directive[])[] = [http];
  while (pending.length > 0) {
    const items = pending.pop() as readonly Directive[];
    const seen = new Map<string, Directive>();
    for (const d of items) {
      if (d.block) pending.push(d.block);
      if (d.name !== 'location') continue;
      const [a = '', b] = d.args;
      const modifier = b === undefined ? '' : a;
      const uri = b ?? a;
      if (modifier === '~' || modifier === '~*' || uri.startsWith('@')) continue;
      const key = `${modifier === '=' ? 'exact' : 'prefix'} ${uri}`;
      const first = seen.get(key);
      const line = (d.block && openLines.get(d.block)) ?? d.line;
      if (first) {
        return { file: d.file, line, message: `duplicate location "${quoteText(uri)}" (first at ${first.file}:${first.line})`, fix: 'merge the two location blocks, or remove one (an include may bring the second)' };
      }
      seen.set(key, d);
    }
  }
  return undefined;
}
