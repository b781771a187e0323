/** The report as a library call: build the model (model.ts), render it in one of four formats. */
import type { ReportModel } from './types.js';
import { renderText } from './render-text.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { renderHtml } from './render-html.js';

export type ReportFormat = 'text' | 'json' | 'markdown' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'html'];

export interface RenderOptions {
  readonly color?: boolean;
  /** zone for displayed times (the JSON keeps UTC) */
  readonly zone?: string;
}

export function renderReport(m: ReportModel, format: ReportFormat, o: RenderOptions = {}): string {
  switch (format) {
    case 'text': return renderText(m, { color: o.color ?? false, zone: o.zone ?? 'UTC' });
    case 'json': return renderJson(m);
    case 'markdown': return renderMarkdown(m, { zone: o.zone ?? 'UTC' });
    case 'html': return renderHtml(m, { zone: o.zone ?? 'UTC' });
  }
}

export { buildReportModel, recordReportMark, type ReportOptions, type BuiltReport } from './model.js';
export { parseFailOnRule, evaluateRule, describeOutcome, type FailOnRule, type RuleOutcome } from './fail-on.js';
export { ruleCounts } from './sections.js';
export type { ReportModel } from './types.js';
