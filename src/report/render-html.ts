/** Placeholder replaced below. */
import type { ReportModel } from './types.js';
export function renderHtml(_m: ReportModel, _o: { zone: string }): string { return ''; }
