/**
 * gunicorn.conf.py is Python; the audit reads only top-level `name = value` lines — the way nearly
 * every config sets timeout, workers, worker_class, keepalive, graceful_timeout and bind — and says
 * so when a value is an expression it cannot evaluate. `os.environ.get("X", "120")` and
 * `os.getenv("X", 120)` read as their default, with the variable named in the source.
 */
import { cite } from '../../nginx-conf/load.js';

export interface ConfPyValue {
  /** The value as Python would see it for literals; the expression text otherwise. */
  readonly value: string;
  /** False when the value is an expression the audit did not evaluate. */
  readonly literal: boolean;
  readonly source: string;
}

const ASSIGN = /^([a-z_][a-z0-9_]*)\s*=\s*(.+?)\s*(?:#.*)?$/;

export function parseGunicornConfPy(text: string, file: string): Map<string, ConfPyValue> {
  const out = new Map<string, ConfPyValue>();
  text.split('\n').forEach((raw, idx) => {
    const m = ASSIGN.exec(raw.replace(/\r$/, ''));
    if (!m) return;
    const name = m[1] as string;
    const rhs = m[2] as string;
    const source = cite({ file, line: idx + 1 });
    const lit = pythonLiteral(rhs);
    if (lit !== undefined) {
      out.set(name, { value: lit, literal: true, source });
      return;
    }
    const env = /^(?:int|float|str)?\(?\s*os\.(?:environ\.get|getenv)\(\s*["'](\w+)["']\s*,\s*(.+?)\s*\)\s*\)?$/.exec(rhs);
    const envDefault = env ? pythonLiteral(env[2] as string) : undefined;
    if (env && envDefault !== undefined) {
      out.set(name, { value: envDefault, literal: true, source: `${source} (default of $${env[1] as string})` });
      return;
    }
    out.set(name, { value: rhs, literal: false, source });
  });
  return out;
}

/** Numbers, strings, booleans, and lists of strings (bind = ["0.0.0.0:8000"]) → their text. */
function pythonLiteral(rhs: string): string | undefined {
  if (/^-?\d+(\.\d+)?$/.test(rhs)) return rhs;
  const str = /^(?:"([^"\\]*)"|'([^'\\]*)')$/.exec(rhs);
  if (str) return str[1] ?? str[2] ?? '';
  if (rhs === 'True' || rhs === 'False') return rhs.toLowerCase();
  const list = /^\[(.*)\]$/.exec(rhs);
  if (list) {
    const items = (list[1] as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
    const lits = items.map(pythonLiteral);
    if (lits.every((l): l is string => l !== undefined)) return lits.join(' ');
  }
  return undefined;
}
