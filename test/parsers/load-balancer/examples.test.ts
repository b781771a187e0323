/**
 * Every example in the load balancer parsers' examples.json (ALB, classic ELB, GCP, HAProxy,
 * Cloudflare), by name, plus each parser's coverage: every pattern it can name has an example, and a
 * seeded mutation of each example line never makes a parser throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlbParser } from '../../../parsers/aws-alb/parse.js';
import { createElbParser } from '../../../parsers/aws-elb/parse.js';
import { createGcpLbParser } from '../../../parsers/gcp-lb/parse.js';
import { createHaproxyParser } from '../../../parsers/haproxy/parse.js';
import { createCloudflareParser } from '../../../parsers/cloudflare/parse.js';
import type { LineParser } from '../../../parsers/result.js';
import type { LbRecord } from '../../../parsers/load-balancer/record.js';
import { readExamples } from '../gunicorn/support.js';

interface Example {
  readonly name: string;
  readonly line: string;
  readonly expect: {
    readonly kind: 'record' | 'ignored' | 'reject';
    readonly pattern?: string;
    readonly timeIso?: string;
    readonly fields?: Record<string, unknown>;
    readonly reasonIncludes?: string;
  };
}

const PARSERS: readonly { folder: string; create: (tz: string) => LineParser<LbRecord>; patterns: readonly string[] }[] = [
  { folder: 'aws-alb', create: () => createAlbParser(), patterns: ['alb/http', 'alb/https', 'alb/h2', 'alb/ws'] },
  { folder: 'aws-elb', create: () => createElbParser(), patterns: ['elb/http'] },
  { folder: 'gcp-lb', create: () => createGcpLbParser(), patterns: ['gcp/log_entry'] },
  { folder: 'haproxy', create: (tz) => createHaproxyParser({ tz }), patterns: ['haproxy/httplog', 'haproxy/log_format'] },
  { folder: 'cloudflare', create: () => createCloudflareParser(), patterns: ['cloudflare/http_requests'] },
];

for (const p of PARSERS) {
  const file = readExamples<{ tz?: string; examples: Example[] }>(p.folder);
  const parse = p.create(file.tz ?? 'UTC');
  for (const ex of file.examples) {
    test(`${p.folder} example: ${ex.name}`, () => {
      const r = parse(ex.line);
      assert.equal(r.kind, ex.expect.kind, `${ex.name}: ${JSON.stringify(r)}`);
      if (r.kind === 'reject') {
        assert.ok(r.reason.length > 10);
        if (ex.expect.reasonIncludes) assert.ok(r.reason.includes(ex.expect.reasonIncludes), r.reason);
      }
      if (r.kind !== 'record') return;
      if (ex.expect.pattern) assert.equal(r.pattern, ex.expect.pattern);
      const row = r.record as unknown as Record<string, unknown>;
      if (ex.expect.timeIso) assert.equal(new Date(row['time'] as number).toISOString(), ex.expect.timeIso);
      for (const [k, v] of Object.entries(ex.expect.fields ?? {})) assert.deepEqual(row[k], v, `${ex.name}: field ${k}`);
    });
  }
  test(`${p.folder} examples: every pattern has an example, names are unique`, () => {
    const used = new Set(file.examples.map((e) => e.expect.pattern));
    assert.deepEqual(p.patterns.filter((x) => !used.has(x)), []);
    const names = file.examples.map((e) => e.name);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
  });
  test(`${p.folder} fuzz: mutated example lines never throw, every reject has a reason`, () => {
    let seed = 16;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const ex of file.examples) {
      for (let k = 0; k < 60; k++) {
        const chars = [...ex.line];
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rand() * chars.length);
          const op = rand();
          if (op < 0.33) chars.splice(at, 1);
          else if (op < 0.66) chars.splice(at, 0, ' "-:/{}[]0'[Math.floor(rand() * 10)]!);
          else chars.length = at;
        }
        const r = parse(chars.join(''));
        if (r.kind === 'reject') assert.ok(r.reason.length > 10);
      }
    }
  });
}
