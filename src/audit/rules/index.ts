/**
 * Every audit rule, in the order the README lists them. the README's rule table is checked against
 * this list by test/audit/docs.test.ts: add a rule here and the test tells you to document it.
 */
import { asyncWorkerTimeoutIsHeartbeat, singleWorker } from './app.js';
import { clientTimeoutBelowProxyRead, lbIdleAboveNginxKeepalive, lbIdleBelowProxyRead } from './edges.js';
import {
  proxyReadBelowWorkerTimeout,
  proxyReadTimeoutCeiling,
  retryCanCascade,
  upstreamKeepaliveOutlivesApp,
  upstreamKeepaliveWithoutHttp11,
  websocketDefaultReadTimeout,
} from './upstream.js';
import { accessLogMissingTiming, errorLogLevelHidesAborts } from './visibility.js';
import type { AuditRule } from './rule.js';

export const AUDIT_RULES: readonly AuditRule[] = [
  lbIdleAboveNginxKeepalive,
  lbIdleBelowProxyRead,
  clientTimeoutBelowProxyRead,
  proxyReadBelowWorkerTimeout,
  upstreamKeepaliveOutlivesApp,
  upstreamKeepaliveWithoutHttp11,
  proxyReadTimeoutCeiling,
  websocketDefaultReadTimeout,
  retryCanCascade,
  singleWorker,
  asyncWorkerTimeoutIsHeartbeat,
  accessLogMissingTiming,
  errorLogLevelHidesAborts,
];

export type { AuditRule, RuleHit, RuleInput } from './rule.js';
