/** Test helpers: fixture paths, and an audit over a config written to a temp dir. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAudit, type AuditOptions } from '../../src/audit/index.js';
import type { AuditResult } from '../../src/audit/types.js';

/** test/fixtures/nginx-conf/<rel> in the source tree (tests run from dist/test/…). */
export const fixture = (rel: string): string => fileURLToPath(new URL(`../../../test/fixtures/nginx-conf/${rel}`, import.meta.url));

export function writeTemp(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-audit-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** An http{} body wrapped into a full nginx.conf. */
export const conf = (http: string): string => `events {}\nhttp {\n${http}\n}\n`;

export function audit(nginxHttp: string | undefined, opts: Omit<AuditOptions, 'nginxConf'> = {}): AuditResult {
  const nginxConf = nginxHttp === undefined ? undefined : join(writeTemp({ 'nginx.conf': conf(nginxHttp) }), 'nginx.conf');
  const out = runAudit({ ...opts, nginxConf });
  if (!out.ok) throw new Error(`audit failed: ${out.error.message}`);
  return out.result;
}

export const rulesFired = (r: AuditResult): string[] => [...new Set(r.findings.map((f) => f.rule))].sort();
