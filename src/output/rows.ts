/**
 * Rows → text for scripts and terminals: table, json, ndjson, csv. Log-derived strings are stripped
 * of terminal control sequences before they reach a terminal (a user agent can carry them).
 */
export type RowFormat = 'table' | 'json' | 'ndjson' | 'csv';

export type Row = Readonly<Record<string, unknown>>;

// C0 controls except tab/newline handled separately, DEL, C1 controls, and whole ESC/CSI/OSC sequences.
// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function stripControls(s: string): string {
  return s.replace(CONTROL, (m) => (m.length === 1 ? `\\x${m.charCodeAt(0).toString(16).padStart(2, '0')}` : ''));
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return stripControls(String(v)).replace(/\n/g, '\\n').replace(/\t/g, ' ');
}

export function renderTable(rows: readonly Row[], columns?: readonly string[], maxWidth = 60): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (cols.length === 0) return '(no rows)\n';
  const cells = rows.map((r) => cols.map((c) => truncate(cell(r[c]), maxWidth)));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  return out.join('\n') + '\n';
}

const truncate = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/**
 * One CSV cell. Log-derived text is stripped of terminal controls as the table is (a CSV is often
 * `cat`ed), and a text cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or
 * CR: OWASP's CSV-injection rule) gets a leading ' and quotes. Numbers are left as they are: -120
 * is a number, not a formula.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  // stripped first: an escape sequence in front must not hide the = behind it
  const raw = stripControls(typeof v === 'object' ? JSON.stringify(v) : String(v));
  const formula = /^[=+\-@\t\r]/.test(raw);
  const s = formula ? `'${raw}` : raw;
  return formula || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderRows(rows: readonly Row[], format: RowFormat, columns?: readonly string[]): string {
  switch (format) {
    case 'table':
      return renderTable(rows, columns);
    case 'json':
      return JSON.stringify(rows, null, 2) + '\n';
    case 'ndjson':
      return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
    case 'csv': {
      const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
      return [cols.join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))].join('\n') + '\n';
    }
  }
}
