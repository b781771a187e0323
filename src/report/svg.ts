/**
 * Inline SVG charts for the HTML report: stacked bar charts with an axis, drawn as plain elements
 * (no script, no external font). Every label passes through `esc`; callers pass log-derived text.
 */
export const esc = (s: string | number | null | undefined): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
import { roundToMs } from '../domain/units.js';

export interface StackedBar {
  /** x position in data units */
  readonly x: number;
  readonly segments: readonly { readonly key: string; readonly value: number }[];
  readonly title: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly bars: readonly StackedBar[];
  /** data-unit range of the x axis and the width of one bar */
  readonly xMin: number;
  readonly xMax: number;
  readonly barWidth: number;
  readonly colors: Readonly<Record<string, string>>;
  readonly xLabel: (x: number) => string;
  readonly xTicks: readonly number[];
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  readonly width?: number;
  readonly height?: number;
}

export function renderStackedBars(c: ChartSpec): string {
  const W = c.width ?? 1100;
  const H = c.height ?? 260;
  const L = 48, R = 16, T = 28, B = 36;
  const span = Math.max(c.xMax - c.xMin, c.barWidth);
  const sx = (x: number) => L + ((x - c.xMin) / span) * (W - L - R);
  const maxY = Math.max(1, ...c.bars.map((b) => b.segments.reduce((s, g) => s + g.value, 0)));
  const sy = (y: number) => T + (1 - y / maxY) * (H - T - B);
  const bw = Math.max(2, sx(c.xMin + c.barWidth) - sx(c.xMin) - 1);
  const parts: string[] = [];
  parts.push(`<svg class="chart" role="img" aria-label="${esc(c.title)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">`);
  parts.push(`<text x="${L}" y="16" class="chart-title">${esc(c.title)}</text>`);
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" class="axis"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" class="axis"/>`);
  for (const y of [0, Math.round(maxY / 2), maxY]) {
    parts.push(`<text x="${L - 6}" y="${sy(y) + 4}" text-anchor="end" class="tick">${y}</text><line x1="${L}" y1="${sy(y)}" x2="${W - R}" y2="${sy(y)}" class="grid"/>`);
  }
  for (const t of c.xTicks) {
    parts.push(`<text x="${sx(t)}" y="${H - B + 16}" text-anchor="middle" class="tick">${esc(c.xLabel(t))}</text>`);
  }
  for (const b of c.bars) {
    let acc = 0;
    for (const g of b.segments) {
      if (g.value <= 0) continue;
      const y0 = sy(acc), y1 = sy(acc + g.value);
      acc += g.value;
      parts.push(`<rect class="bar" x="${sx(b.x).toFixed(1)}" y="${y1.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(1, y0 - y1).toFixed(1)}" fill="${c.colors[g.key] ?? '#888'}"><title>${esc(`${b.title}: ${g.key} ${g.value}`)}</title></rect>`);
    }
  }
  for (const m of c.markers ?? []) {
    const x = sx(m.x) + bw / 2;
    // Labels near the right edge hang to the left of their line.
    const right = x > W * 0.7;
    parts.push(`<line class="marker" x1="${x.toFixed(1)}" y1="${T}" x2="${x.toFixed(1)}" y2="${H - B}"/><text class="marker-label" x="${(right ? x - 4 : x + 4).toFixed(1)}" y="${T + 12}"${right ? ' text-anchor="end"' : ''}>${esc(m.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A legend as HTML: a swatch per key. */
export function renderLegend(keys: readonly string[], colors: Readonly<Record<string, string>>): string {
  return `<p class="legend">${keys.map((k) => `<span><i style="background:${colors[k] ?? '#888'}"></i>${esc(k)}</span>`).join(' ')}</p>`;
}

/** Round tick values across [min, max]: about `n` of them. */
export function ticks(min: number, max: number, n = 8): number[] {
  const span = Math.max(max - min, 1e-9);
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) out.push(roundToMs(t));
  return out;
}
