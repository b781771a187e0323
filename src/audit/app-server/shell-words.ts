/**
 * POSIX-shell word splitting, enough for the command lines people put in Dockerfiles, compose files,
 * Procfiles and systemd units: quotes, backslash escapes, line continuations, and the operators that
 * separate commands (`cd /app && gunicorn …`). Variables are kept as written; nothing is executed.
 */
export type ShellToken = { readonly kind: 'word'; readonly text: string } | { readonly kind: 'op'; readonly text: string };

const OPS = ['&&', '||', ';', '|', '&'];

export function shellSplit(text: string): ShellToken[] {
  const out: ShellToken[] = [];
  let word = '';
  let inWord = false;
  const end = (): void => {
    if (inWord) out.push({ kind: 'word', text: word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const d = text[i + 1];
      if (d === '\n') {
        i++;
        continue;
      }
      if (d !== undefined) {
        word += d;
        inWord = true;
        i++;
      }
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 ? text.length : close;
      word += text.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j] as string;
        // Inside double quotes a backslash only escapes these (POSIX 2.2.3).
        if (d === '\\' && '"\\$`\n'.includes(text[j + 1] ?? '')) {
          if (text[j + 1] !== '\n') word += text[j + 1] as string;
          j++;
        } else word += d;
      }
      i = j;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      end();
      continue;
    }
    if (c === '#' && !inWord) break;
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      end();
      out.push({ kind: 'op', text: op });
      i += op.length - 1;
      continue;
    }
    word += c;
    inWord = true;
  }
  end();
  return out;
}

/** Only the words (for exec-form lists that were already split). */
export const shellWords = (text: string): string[] => shellSplit(text).filter((t) => t.kind === 'word').map((t) => t.text);

/** Commands separated by shell operators, each as its words. */
export function shellCommands(text: string): string[][] {
  const cmds: string[][] = [[]];
  for (const t of shellSplit(text)) {
    if (t.kind === 'op') cmds.push([]);
    else (cmds[cmds.length - 1] as string[]).push(t.text);
  }
  return cmds.filter((c) => c.length > 0);
}
