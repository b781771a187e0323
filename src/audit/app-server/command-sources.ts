/**
 * Where the gunicorn/uvicorn command line lives: a Dockerfile CMD/ENTRYPOINT (exec and shell forms),
 * a compose `command:`, a Procfile, a systemd ExecStart — or the `--cmd` text itself. Each finder
 * returns the command's words, the file:line it starts on, and any GUNICORN_CMD_ARGS the same file
 * sets (Dockerfile ENV, compose environment, systemd Environment=). Line-based on purpose: no YAML or
 * unit-file library, and a file we cannot read well says so instead of guessing.
 */
import { basename } from 'node:path';
import { cite } from '../../nginx-conf/load.js';
import { findAppArgs, findAppArgsInShell, type AppArgs } from './argv.js';
import { shellWords } from './shell-words.js';

export type CommandFileKind = 'dockerfile' | 'compose' | 'procfile' | 'systemd' | 'literal';

export interface FoundCommand {
  readonly kind: CommandFileKind;
  readonly args: AppArgs;
  /** "Dockerfile:14", or "--cmd" for a literal command line. */
  readonly source: string;
  readonly cmdArgsEnv: { readonly value: string; readonly source: string } | undefined;
}

export type CommandLookup = { readonly ok: true; readonly value: FoundCommand } | { readonly ok: false; readonly reason: string; readonly fix: string };

interface Logical {
  readonly text: string;
  readonly line: number;
}

/** Lines with trailing-backslash continuations joined; each keeps the number of its first line. */
function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  let acc = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (acc === '') start = i + 1;
    if (/\\\s*$/.test(line)) {
      acc += line.replace(/\\\s*$/, ' ');
      return;
    }
    out.push({ text: acc + line, line: start });
    acc = '';
  });
  if (acc !== '') out.push({ text: acc, line: start });
  return out;
}

export function detectKind(name: string, text: string): CommandFileKind {
  const b = basename(name);
  if (/^(Dockerfile|Containerfile)|\.(dockerfile|containerfile)$/i.test(b)) return 'dockerfile';
  if (/\.ya?ml$/i.test(b)) return 'compose';
  if (/^Procfile/.test(b)) return 'procfile';
  if (/\.service$/.test(b)) return 'systemd';
  if (/^\s*\[Service\]/m.test(text)) return 'systemd';
  if (/^\s*(FROM|CMD|ENTRYPOINT)\s/im.test(text)) return 'dockerfile';
  if (/^services:/m.test(text)) return 'compose';
  return 'procfile';
}

export function findCommandInFile(file: string, text: string): CommandLookup {
  const kind = detectKind(file, text);
  const found =
    kind === 'dockerfile' ? fromDockerfile(file, text) : kind === 'compose' ? fromCompose(file, text) : kind === 'systemd' ? fromSystemd(file, text) : (fromProcfile(file, text) ?? fromShellScript(file, text));
  if (found) return { ok: true, value: found };
  return {
    ok: false,
    reason: `no gunicorn or uvicorn command found in ${file} (read as a ${kind})`,
    fix: 'give the command line itself with --cmd "gunicorn …", or the file where it is started (Dockerfile, compose file, Procfile, systemd unit)',
  };
}

export function findCommandInText(cmd: string): CommandLookup {
  const args = findAppArgsInShell(cmd);
  if (args) return { ok: true, value: { kind: 'literal', args, source: '--cmd', cmdArgsEnv: envFromArgs(args, '--cmd') } };
  return { ok: false, reason: `"${cmd}" is neither a readable file nor a gunicorn/uvicorn command line`, fix: 'pass --cmd "gunicorn -k uvicorn.workers.UvicornWorker -t 60 app:app" or a path to a Dockerfile/compose file/Procfile/systemd unit' };
}

const envFromArgs = (args: AppArgs, source: string): FoundCommand['cmdArgsEnv'] => {
  const v = args.env['GUNICORN_CMD_ARGS'];
  return v === undefined ? undefined : { value: v, source };
};

function execOrShell(rest: string): AppArgs | undefined {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t) as unknown;
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return findAppArgs(arr as string[]);
    } catch {
      // Not valid JSON: Docker then runs it as a shell command, and so do we.
    }
  }
  return findAppArgsInShell(t);
}

function fromDockerfile(file: string, text: string): FoundCommand | undefined {
  let cmd: Logical | undefined;
  let entry: Logical | undefined;
  let env: FoundCommand['cmdArgsEnv'];
  for (const l of logicalLines(text)) {
    const m = /^\s*(CMD|ENTRYPOINT|ENV)\s+(.*)$/i.exec(l.text);
    if (!m) continue;
    const instr = (m[1] as string).toUpperCase();
    const rest = m[2] as string;
    if (instr === 'CMD') cmd = { text: rest, line: l.line };
    else if (instr === 'ENTRYPOINT') entry = { text: rest, line: l.line };
    else {
      const words = shellWords(rest);
      const first = words[0] ?? '';
      const pairs = first.includes('=') ? words : [`${first}=${words.slice(1).join(' ')}`];
      for (const p of pairs) if (p.startsWith('GUNICORN_CMD_ARGS=')) env = { value: p.slice('GUNICORN_CMD_ARGS='.length), source: cite({ file, line: l.line }) };
    }
  }
  // ENTRYPOINT ["gunicorn"] + CMD ["-t", "60", "app:app"]: Docker appends CMD to an exec-form ENTRYPOINT.
  if (entry && entry.text.trim().startsWith('[') && cmd && cmd.text.trim().startsWith('[')) {
    const joined = safeJsonWords(entry.text).concat(safeJsonWords(cmd.text));
    const args = findAppArgs(joined);
    if (args) return { kind: 'dockerfile', args, source: cite({ file, line: entry.line }), cmdArgsEnv: env ?? envFromArgs(args, cite({ file, line: entry.line })) };
  }
  for (const l of [cmd, entry]) {
    if (!l) continue;
    const args = execOrShell(l.text);
    if (args) return { kind: 'dockerfile', args, source: cite({ file, line: l.line }), cmdArgsEnv: env ?? envFromArgs(args, cite({ file, line: l.line })) };
  }
  return undefined;
}

function safeJsonWords(text: string): string[] {
  try {
    const arr = JSON.parse(text.trim()) as unknown;
    return Array.isArray(arr) ? arr.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const unquoteYaml = (s: string): string => {
  const t = s.trim();
  const m = /^"(.*)"$|^'(.*)'$/s.exec(t);
  return m ? (m[1] ?? (m[2] as string).replace(/''/g, "'")) : t;
};

function fromCompose(file: string, text: string): FoundCommand | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const indentOf = (l: string): number => /^ */.exec(l)?.[0].length ?? 0;
  let env: FoundCommand['cmdArgsEnv'];
  lines.forEach((l, i) => {
    // `GUNICORN_CMD_ARGS: "…"` (map form) or `- GUNICORN_CMD_ARGS=…` / `- "GUNICORN_CMD_ARGS=…"` (list form)
    const item = unquoteYaml(l.trim().replace(/^-\s*/, ''));
    const m = /^GUNICORN_CMD_ARGS(?:\s*:\s+|=)(.*)$/.exec(item);
    if (m && env === undefined) env = { value: unquoteYaml(m[1] as string), source: cite({ file, line: i + 1 }) };
  });
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    const m = /^(\s*)(command|entrypoint):\s*(.*?)\s*$/.exec(l);
    if (!m) continue;
    const indent = (m[1] as string).length;
    const inline = (m[3] as string).replace(/\s+#.*$/, '');
    const source = cite({ file, line: i + 1 });
    const block: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const n = lines[j] as string;
      if (n.trim() === '' || n.trim().startsWith('#')) continue;
      if (indentOf(n) <= indent && !(inline === '' && indentOf(n) === indent && n.trim().startsWith('-'))) break;
      block.push(n.trim());
    }
    let args: AppArgs | undefined;
    if (inline.startsWith('[')) args = findAppArgs(flowSequence(inline));
    else if (inline === '') args = findAppArgs(block.filter((b) => b.startsWith('-')).map((b) => unquoteYaml(b.slice(1))));
    else if (/^[>|]/.test(inline)) args = findAppArgsInShell(block.join(inline.startsWith('>') ? ' ' : '\n'));
    // A compose string command is split like a shell line, but not run by a shell.
    else args = findAppArgsInShell(unquoteYaml(inline));
    if (args) return { kind: 'compose', args, source, cmdArgsEnv: env ?? envFromArgs(args, source) };
  }
  return undefined;
}

/** `["gunicorn", '-t', 60]` → words; JSON first, then a quote-aware comma split. */
function flowSequence(s: string): string[] {
  try {
    const arr = JSON.parse(s) as unknown;
    if (Array.isArray(arr)) return arr.map((x) => String(x));
  } catch {
    // YAML flow sequences allow single quotes and bare words, which JSON does not.
  }
  return (s.slice(1, s.lastIndexOf(']')).match(/"[^"]*"|'[^']*'|[^,]+/g) ?? []).map(unquoteYaml).filter((w) => w !== '');
}

function fromProcfile(file: string, text: string): FoundCommand | undefined {
  const entries = text.split('\n').map((l, i) => ({ m: /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(l.replace(/\r$/, '')), line: i + 1 }));
  // The `web` process is the one behind the load balancer; other process types only if it has none.
  const ordered = [...entries.filter((e) => e.m?.[1] === 'web'), ...entries.filter((e) => e.m && e.m[1] !== 'web')];
  for (const e of ordered) {
    const args = e.m ? findAppArgsInShell(e.m[2] as string) : undefined;
    if (args) return { kind: 'procfile', args, source: cite({ file, line: e.line }), cmdArgsEnv: envFromArgs(args, cite({ file, line: e.line })) };
  }
  return undefined;
}

/** A start script (entrypoint.sh, a saved command line): comments dropped, `\\` continuations joined. */
function fromShellScript(file: string, text: string): FoundCommand | undefined {
  for (const l of logicalLines(text)) {
    if (/^\s*#/.test(l.text)) continue;
    const args = findAppArgsInShell(l.text);
    if (args) return { kind: 'procfile', args, source: cite({ file, line: l.line }), cmdArgsEnv: envFromArgs(args, cite({ file, line: l.line })) };
  }
  return undefined;
}

function fromSystemd(file: string, text: string): FoundCommand | undefined {
  let env: FoundCommand['cmdArgsEnv'];
  let found: FoundCommand | undefined;
  for (const l of logicalLines(text)) {
    const e = /^\s*Environment\s*=\s*(.*)$/.exec(l.text);
    if (e) {
      for (const w of shellWords(e[1] as string)) {
        if (w.startsWith('GUNICORN_CMD_ARGS=')) env = { value: w.slice('GUNICORN_CMD_ARGS='.length), source: cite({ file, line: l.line }) };
      }
      continue;
    }
    const x = /^\s*ExecStart\s*=\s*[-@:+!]*(.*)$/.exec(l.text);
    if (x && !found) {
      const args = findAppArgs(shellWords(x[1] as string));
      if (args) found = { kind: 'systemd', args, source: cite({ file, line: l.line }), cmdArgsEnv: undefined };
    }
  }
  return found ? { ...found, cmdArgsEnv: env ?? envFromArgs(found.args, found.source) } : undefined;
}
