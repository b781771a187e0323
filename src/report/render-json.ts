/** The JSON report: the model as it stands (schema in docs/report-json.md, `version` field). */
import type { ReportModel } from './types.js';

export function renderJson(m: ReportModel): string {
  return JSON.stringify(m, null, 2) + '\n';
}
