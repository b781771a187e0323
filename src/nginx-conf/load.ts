/**
 * Tokens → a directive tree, with `include` expanded in place as nginx does. Relative include paths
 * are resolved against the config prefix — the directory of the main config file — never against the
 * including file's directory (nginx.c sets conf_prefix from the -c path; ngx_conf_include uses it).
 * A glob that matches nothing is fine; a plain path that does not exist is an error, as in nginx.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { confFail, confOk, type ConfResult } from './conf-error.js';
import { diskReader, hasGlob, memoryReader, type ConfReader } from './reader.js';
import { looksLikeDump, splitDump } from './dump.js';
import { tokenize } from './tokenize.js';

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
}

export const cite = (d: { file: string; line: number }): string => `${d.file}:${d.line}`;

// nginx has no limit, but an include cycle would otherwise never end.
const MAX_INCLUDE_DEPTH = 32;

export function loadNginxConf(mainPath: string, reader: ConfReader = diskReader()): ConfResult<ConfTree> {
  const text = reader.read(mainPath);
  if (text === undefined) {
    return confFail(mainPath, 0, `cannot read the nginx config "${mainPath}"`, 'check the path given to --nginx-conf');
  }
  if (looksLikeDump(text)) return loadNginxDump(text, mainPath);
  return loadFrom(mainPath, text, reader);
}

/** `nginx -T` output; `label` names where it came from (a file, or "-" for stdin) in errors. */
export function loadNginxDump(text: string, label = '-'): ConfResult<ConfTree> {
  const dump = splitDump(text);
  if (!dump) {
    return confFail(label, 1, 'no "# configuration file PATH:" header found: this is not `nginx -T` output', 'pipe `nginx -T` (not `nginx -t`) into droptrace, or give the nginx.conf path');
  }
  const mainText = dump.files.get(dump.main) ?? '';
  return loadFrom(dump.main, mainText, memoryReader(dump.files));
}

function loadFrom(mainPath: string, text: string, reader: ConfReader): ConfResult<ConfTree> {
  const loader = new Loader(dirname(mainPath), reader);
  const top = loader.parseFile(mainPath, text, 0);
  if (!top.ok) return top;
  return confOk({ main: mainPath, files: loader.files, directives: top.value });
}

class Loader {
  readonly files: string[] = [];
  constructor(
    private readonly prefix: string,
    private readonly reader: ConfReader,
  ) {}

  parseFile(file: string, text: string, depth: number): ConfResult<Directive[]> {
    this.files.push(file);
    const toks = tokenize(text, file);
    if (!toks.ok) return toks;
    type Frame = { items: Directive[]; open?: { name: string; args: string[]; line: number } };
    const stack: Frame[] = [{ items: [] }];
    let words: { text: string; line: number }[] = [];
    for (const t of toks.value) {
      const frame = stack[stack.length - 1] as Frame;
      if (t.kind === 'word') {
        words.push({ text: t.text, line: t.line });
        continue;
      }
      if (t.kind === ';') {
        const [head, ...rest] = words;
        if (!head) return confFail(file, t.line, 'unexpected ";"', 'remove the stray ";"');
        const d: Directive = { name: head.text, args: rest.map((w) => w.text), file, line: head.line };
        words = [];
        if (d.name === 'include') {
          const inc = this.include(d, depth);
          if (!inc.ok) return inc;
          frame.items.push(...inc.value);
        } else frame.items.push(d);
        continue;
      }
      if (t.kind === '{') {
        const [head, ...rest] = words;
        if (!head) return confFail(file, t.line, 'unexpected "{"', 'a block needs a directive name before "{"');
        stack.push({ items: [], open: { name: head.text, args: rest.map((w) => w.text), line: head.line } });
        words = [];
        continue;
      }
      // '}'
      if (words.length > 0) {
        const w = words[0] as { text: string; line: number };
        return confFail(file, t.line, `unexpected "}": the directive "${w.text}" on line ${w.line} has no ";"`, `end "${w.text}" with ";"`);
      }
      if (!frame.open) {
        return confFail(file, t.line, 'unexpected "}"', 'remove the extra "}" or add the "{" block it was meant to close');
      }
      stack.pop();
      const parent = stack[stack.length - 1] as Frame;
      parent.items.push({ name: frame.open.name, args: frame.open.args, file, line: frame.open.line, block: frame.items });
    }
    const last = stack[stack.length - 1] as Frame;
    const eofLine = text.split('\n').length;
    if (words.length > 0) {
      const w = words[0] as { text: string; line: number };
      return confFail(file, w.line, `unexpected end of file, expecting ";" or "}": the directive "${w.text}" is never ended (nginx reports it at line ${eofLine})`, `end "${w.text}" with ";"`);
    }
    if (last.open) {
      return confFail(file, last.open.line, `unexpected end of file, expecting "}": the "${[last.open.name, ...last.open.args].join(' ')}" block opened here is never closed (nginx reports it at line ${eofLine})`, 'add the missing "}" where the block should end');
    }
    return confOk(last.items);
  }

  private include(d: Directive, depth: number): ConfResult<Directive[]> {
    const arg = d.args[0];
    if (d.args.length !== 1 || arg === undefined) {
      return confFail(d.file, d.line, `invalid number of arguments in "include" directive`, 'include takes exactly one path or glob');
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      return confFail(d.file, d.line, `includes nested more than ${MAX_INCLUDE_DEPTH} deep (an include cycle?)`, 'remove the include that leads back to an including file');
    }
    const path = isAbsolute(arg) ? arg : join(this.prefix, arg);
    const paths = hasGlob(arg) ? this.reader.glob(path) : [path];
    const out: Directive[] = [];
    for (const p of paths) {
      const text = this.reader.read(p);
      if (text === undefined) {
        return confFail(d.file, d.line, `open() "${p}" failed (No such file or directory)`, `create ${p}, fix the path (relative paths are resolved against ${this.prefix}/, the directory of the main config), or remove the include`);
      }
      const parsed = this.parseFile(p, text, depth + 1);
      if (!parsed.ok) return parsed;
      out.push(...parsed.value);
    }
    return confOk(out);
  }
}
