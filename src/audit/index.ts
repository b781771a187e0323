/** The audit: nginx + gunicorn/uvicorn configs → the timeout chain and findings. */
export { runAudit, durationSetting, type AuditOptions, type AuditOutcome, type AuditError } from './audit.js';
export { renderAudit, type AuditFormat } from './render.js';
export { chainSnapshotRows, type ChainSnapshotRow } from './snapshot.js';
export { AUDIT_RULES, type AuditRule } from './rules/index.js';
export { resolveAppServer, type AppServer, type WorkerModel } from './app-server/resolve.js';
export type * from './types.js';
