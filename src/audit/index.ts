/** The audit: nginx + gunicorn/uvicorn configs → the timeout chain and findings. */
export { runAudit, durationSetting, type AuditOptions, type AuditOutcome, type AuditError } from './audit.js';
export { renderAudit, type AuditFormat } from './render.js';
export { chainSnapshotRows, type ChainSnapshotRow } from './snapshot.js';
export { AUDIT_RULES, type AuditRule } from './rules/index.js';
export { resolveAppServer, type AppServer, type WorkerModel } from './app-server/resolve.js';
export type * from './types.js';
export { parseAuditFailOn, findingsFailing, describeAuditFailOn, AUDIT_FAIL_ON_NAMES, type AuditFailOn } from './fail-on.js';
export { compareChains, describeChange, parseBaselineJson, type ChainChange } from './baseline.js';
export { evaluateGate, parseBaselineRef, type Baseline, type BaselineRef, type GateResult } from './gate.js';
