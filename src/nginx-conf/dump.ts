/**
 * `nginx -T` prints every config file it read, each after a `# configuration file PATH:` header and
 * followed by one extra newline. Splitting it back into files lets the loader resolve includes and
 * cite the original file:line, not the line of the dump.
 */
const HEADER = /^# configuration file (.+):$/;

export interface DumpFiles {
  /** The first file in the dump: the main config nginx was started with. */
  readonly main: string;
  readonly files: ReadonlyMap<string, string>;
}

export const looksLikeDump = (text: string): boolean => HEADER.test(firstLine(text));

function firstLine(text: string): string {
  // nginx -T prints "nginx: the configuration file ... syntax is ok" on stderr, but people paste both.
  for (const line of text.split('\n')) {
    if (line.startsWith('nginx: ')) continue;
    return line.replace(/\r$/, '');
  }
  return '';
}

export function splitDump(text: string): DumpFiles | undefined {
  const files = new Map<string, string>();
  let main: string | undefined;
  let current: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (current === undefined) return;
    // The blank line nginx adds after each file is not part of it.
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    files.set(current, lines.join('\n') + '\n');
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = HEADER.exec(line);
    if (m) {
      flush();
      current = m[1] as string;
      main ??= current;
      lines = [];
      continue;
    }
    if (current === undefined) continue;
    lines.push(line);
  }
  flush();
  return main === undefined ? undefined : { main, files };
}
