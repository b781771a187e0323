/**
 * AuditResult → text (colour only when asked: the CLI passes `color` from isTTY/NO_COLOR), markdown,
 * or JSON (the stable contract in types.ts, two-space indented, keys in declaration order).
 */
import { Chalk } from 'chalk';
import type { AuditResult, ChainLink, ChainValue, Finding, Severity } from './types.js';

export type AuditFormat = 'text' | 'json' | 'markdown';

export function renderAudit(result: AuditResult, format: AuditFormat, options: { color?: boolean } = {}): string {
  if (format === 'json') return JSON.stringify(result, null, 2) + '\n';
  if (format === 'markdown') return renderMarkdown(result);
  return renderText(result, options.color === true);
}

const LAYER_LABEL: Readonly<Record<ChainValue['layer'], string>> = { client: 'client', lb: 'LB', nginx: 'nginx', gunicorn: 'gunicorn', uvicorn: 'uvicorn', app: 'app' };

/** "client → LB → nginx → gunicorn (UvicornWorker ×4) → app": the layers this link has values for. */
function chainLine(link: ChainLink): string {
  const layers = [...new Set(link.values.map((v) => v.layer))];
  const parts = layers.map((l) => {
    if (l !== 'gunicorn' && l !== 'uvicorn') return LAYER_LABEL[l];
    const cls = link.values.find((v) => v.layer === l && (v.setting === 'worker_class' || v.setting === 'worker'));
    const w = link.values.find((v) => v.layer === l && v.setting === 'workers');
    return `${l} (${cls?.value.split('.').pop() ?? '?'} ×${w?.value ?? '?'})`;
  });
  return [...parts, 'app'].join(' → ');
}

// An empty value is a cleared header (proxy_set_header Connection ""); an unset pool is shown as "off" by chain.ts.
const shown = (v: ChainValue): string => (v.value === '' ? '""' : v.value);

function renderText(r: AuditResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const sev: Readonly<Record<Severity, (s: string) => string>> = { error: c.red.bold, warn: c.yellow, info: c.cyan };
  const out: string[] = [];
  if (r.chain.length > 0) out.push(c.bold('Timeout chain'), '');
  for (const link of r.chain) {
    out.push(`${c.bold(link.server)} ${c.bold(link.location)}  ${c.dim(`(${link.location_source}) → ${link.proxy_pass}${link.websocket ? ', WebSocket' : ''}`)}`);
    out.push(`  ${chainLine(link)}`);
    const w1 = Math.max(...link.values.map((v) => LAYER_LABEL[v.layer].length));
    const w2 = Math.max(...link.values.map((v) => v.setting.length));
    const w3 = Math.max(...link.values.map((v) => shown(v).length));
    for (const v of link.values) {
      const dflt = v.source.startsWith('default');
      const src = dflt ? c.dim(v.source) : v.source;
      out.push(`    ${LAYER_LABEL[v.layer].padEnd(w1)}  ${v.setting.padEnd(w2)}  ${(dflt ? c.dim : c.bold)(shown(v).padEnd(w3))}  ${src}`);
    }
    for (const n of link.notes) out.push(`    ${c.dim(`note: ${n}`)}`);
    out.push('');
  }
  out.push(c.bold(`Findings (${count(r.findings)})`), '');
  if (r.findings.length === 0) out.push('  none', '');
  for (const f of r.findings) {
    out.push(`${sev[f.severity](f.severity.toUpperCase().padEnd(5))} ${c.bold(f.rule)}  ${where(f)}`);
    for (const v of f.values) out.push(`      ${LAYER_LABEL[v.layer]} ${v.setting} = ${shown(v)}  ${c.dim(v.source)}`);
    out.push(...wrap(f.message, 96).map((l) => `      ${l}`));
    out.push(...wrap(`fix: ${f.fix}`, 96).map((l) => `      ${c.green(l)}`), '');
  }
  if (r.inputs.notes.length > 0) {
    out.push(c.bold('Notes'), '');
    for (const n of r.inputs.notes) out.push(...wrap(`- ${n}`, 100).map((l, i) => (i === 0 ? l : `  ${l}`)));
    out.push('');
  }
  return out.join('\n');
}

const where = (f: Finding): string => (f.server === '*' && f.location === '*' ? 'app server' : f.location === '*' ? `server ${f.server}` : `${f.server} ${f.location}`);

function count(fs: readonly Finding[]): string {
  const n = (s: Severity): number => fs.filter((f) => f.severity === s).length;
  return `${n('error')} error, ${n('warn')} warn, ${n('info')} info`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

function renderMarkdown(r: AuditResult): string {
  const out: string[] = ['# droptrace audit', ''];
  if (r.chain.length > 0) out.push('## Timeout chain', '');
  for (const link of r.chain) {
    out.push(`### ${link.server} \`${link.location}\``, '', `\`${link.location_source}\` → \`${link.proxy_pass}\`${link.websocket ? ' (WebSocket)' : ''}`, '', `${chainLine(link)}`, '');
    out.push('| layer | setting | value | source |', '|---|---|---|---|');
    for (const v of link.values) out.push(`| ${LAYER_LABEL[v.layer]} | ${md(v.setting)} | \`${md(shown(v))}\` | ${md(v.source)} |`);
    for (const n of link.notes) out.push('', `> ${md(n)}`);
    out.push('');
  }
  out.push(`## Findings (${count(r.findings)})`, '');
  for (const f of r.findings) {
    out.push(`### ${f.severity}: \`${f.rule}\` — ${where(f)}`, '');
    for (const v of f.values) out.push(`- ${LAYER_LABEL[v.layer]} \`${v.setting}\` = \`${shown(v)}\` (${v.source})`);
    out.push('', f.message, '', `**Fix:** ${f.fix}`, '');
  }
  if (r.inputs.notes.length > 0) out.push('## Notes', '', ...r.inputs.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
