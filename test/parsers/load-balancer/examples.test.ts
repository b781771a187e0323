/**
 * Every example in the load balancer parsers' examples.json (ALB, classic ELB, GCP, HAProxy,
 * Cloudflare), run by test/parsers/examples.ts, plus each parser's coverage: every pattern it can name has an example, and a
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
import { readExamples, runExamples } from '../examples.js';
import { seededRandom } from '../../support/random.js';
import { assertSaneResult } from '../sane-result.js';

const PARSERS: readonly { folder: string; create: (tz: string) => LineParser<LbRecord>; patterns: readonly string[] }[] = [
  { folder: 'aws-alb', create: () => createAlbParser(), patterns: ['alb/http', 'alb/https', 'alb/h2', 'alb/ws'] },
  { folder: 'aws-elb', create: () => createElbParser(), patterns: ['elb/http'] },
  { folder: 'gcp-lb', create: () => createGcpLbParser(), patterns: ['gcp/log_entry'] },
  { folder: 'haproxy', create: (tz) => createHaproxyParser({ tz }), patterns: ['haproxy/httplog', 'haproxy/log_format'] },
  { folder: 'cloudflare', create: () => createCloudflareParser(), patterns: ['cloudflare/http_requests'] },
];

for (const p of PARSERS) {
  const file = readExamples(p.folder);
  runExamples<(typeof file.examples)[number], LbRecord>(p.folder, file, { parserFor: (ex, f) => p.create(ex.tz ?? f.tz ?? 'UTC') });
  test(`${p.folder} examples: every pattern has an example`, () => {
    const used = new Set(file.examples.map((e) => e.expect.pattern));
    assert.deepEqual(p.patterns.filter((x) => !used.has(x)), []);
  });
  test(`${p.folder} fuzz: mutated example lines never throw, every result is sane`, () => {
    const parse = p.create(file.tz ?? 'UTC');
    const rand = seededRandom(16);
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
        const line = chars.join('');
        assertSaneResult(parse(line), line);
      }
    }
  });
}
