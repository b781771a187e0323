/**
 * Finding gunicorn or uvicorn in a command (behind `exec`, `sh -c`, `python -m`, `poetry run`,
 * env assignments, `cd … &&`) and reading the options the audit needs, as data: each option's flags
 * and the setting name it sets — gunicorn's names as in gunicorn.conf.py, uvicorn's as in its Config.
 */
import { basename } from 'node:path';
import { shellCommands } from './shell-words.js';

export type AppServerKind = 'gunicorn' | 'uvicorn';

export interface OptionSpec {
  readonly setting: string;
  readonly flags: readonly string[];
}

export const GUNICORN_OPTIONS: readonly OptionSpec[] = [
  { setting: 'timeout', flags: ['-t', '--timeout'] },
  { setting: 'workers', flags: ['-w', '--workers'] },
  { setting: 'worker_class', flags: ['-k', '--worker-class'] },
  { setting: 'threads', flags: ['--threads'] },
  { setting: 'keepalive', flags: ['--keep-alive'] },
  { setting: 'graceful_timeout', flags: ['--graceful-timeout'] },
  { setting: 'bind', flags: ['-b', '--bind'] },
  { setting: 'config', flags: ['-c', '--config'] },
  { setting: 'max_requests', flags: ['--max-requests'] },
];

/** gunicorn flags that take no value, so the word after them is not swallowed as one. */
const GUNICORN_SWITCHES = new Set([
  '--reload', '--preload', '-D', '--daemon', '--check-config', '--print-config', '--spew', '--capture-output',
  '--enable-stdio-inheritance', '--strip-header-spaces', '--reuse-port', '--no-sendfile', '--proxy-protocol',
  '--do-handshake-on-connect', '--suppress-ragged-eofs', '--disable-redirect-access-to-syslog', '-R', '-v', '--version', '-h', '--help',
]);

export const UVICORN_OPTIONS: readonly OptionSpec[] = [
  { setting: 'timeout_keep_alive', flags: ['--timeout-keep-alive'] },
  { setting: 'timeout_graceful_shutdown', flags: ['--timeout-graceful-shutdown'] },
  { setting: 'workers', flags: ['--workers'] },
  { setting: 'host', flags: ['--host'] },
  { setting: 'port', flags: ['--port'] },
  { setting: 'uds', flags: ['--uds'] },
  { setting: 'limit_concurrency', flags: ['--limit-concurrency'] },
];

const UVICORN_SWITCHES = new Set([
  '--reload', '--proxy-headers', '--no-proxy-headers', '--access-log', '--no-access-log', '--use-colors', '--no-use-colors',
  '--server-header', '--no-server-header', '--date-header', '--no-date-header', '--factory', '--version', '--help',
]);

export interface AppArgs {
  readonly kind: AppServerKind;
  /** The setting name → every value given (bind may repeat), with the flag that gave it. */
  readonly options: ReadonlyMap<string, readonly { readonly value: string; readonly flag: string }[]>;
  readonly app: string | undefined;
  /** Environment assignments written before the command (`GUNICORN_CMD_ARGS="…" gunicorn …`). */
  readonly env: Readonly<Record<string, string>>;
  /** The command from gunicorn/uvicorn on, as one line (for the report). */
  readonly text: string;
}

const serverOf = (word: string): AppServerKind | undefined => {
  const b = basename(word);
  return b === 'gunicorn' ? 'gunicorn' : b === 'uvicorn' ? 'uvicorn' : undefined;
};

/** The first gunicorn/uvicorn invocation in these words (already split, as an exec-form list is). */
export function findAppArgs(words: readonly string[]): AppArgs | undefined {
  const env: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    // Assignments before the command (plain, or after `env`) are its environment.
    if (assign) {
      env[assign[1] as string] = assign[2] as string;
      continue;
    }
    // `sh -c "gunicorn …"`, `bash -lc '…'`: the command is one word; look inside it.
    if (/^-[a-z]*c$/.test(w) && /(^|\/)(sh|bash|dash|ash)$/.test(words[i - 1] ?? '') && words[i + 1] !== undefined) {
      return findAppArgsInShell(words[i + 1] as string);
    }
    let kind = serverOf(w);
    let start = i + 1;
    if (!kind && w === '-m') {
      kind = serverOf(words[i + 1] ?? '');
      start = i + 2;
    }
    if (kind) return parseArgs(kind, words.slice(start), env);
  }
  return undefined;
}

export function findAppArgsInShell(text: string): AppArgs | undefined {
  for (const cmd of shellCommands(text)) {
    const found = findAppArgs(cmd);
    if (found) return found;
  }
  return undefined;
}

export function parseArgs(kind: AppServerKind, args: readonly string[], env: Readonly<Record<string, string>> = {}): AppArgs {
  const specs = kind === 'gunicorn' ? GUNICORN_OPTIONS : UVICORN_OPTIONS;
  const switches = kind === 'gunicorn' ? GUNICORN_SWITCHES : UVICORN_SWITCHES;
  const options = new Map<string, { value: string; flag: string }[]>();
  let app: string | undefined;
  const put = (setting: string, value: string, flag: string): void => {
    options.set(setting, [...(options.get(setting) ?? []), { value, flag }]);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-') || a === '-') {
      app ??= a;
      continue;
    }
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    let spec = specs.find((s) => s.flags.includes(flag));
    let value: string | undefined = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    // Short options with the value attached: -t120, -w4, -kgevent.
    if (!spec && !a.startsWith('--') && a.length > 2) {
      spec = specs.find((s) => s.flags.includes(a.slice(0, 2)));
      if (spec) value = a.slice(2);
    }
    if (!spec) {
      if (eq < 0 && !switches.has(a) && args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('-')) i++;
      continue;
    }
    if (value === undefined) {
      value = args[i + 1] ?? '';
      i++;
    }
    put(spec.setting, value, spec.flags[spec.flags.length - 1] as string);
  }
  return { kind, options, app, env, text: [kind, ...args].join(' ') };
}
