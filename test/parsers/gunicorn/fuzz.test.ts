/**
 * Seeded mutation of every example line (gunicorn and app): the parsers never throw, every reject has
 * a reason, and a 1 MB line returns promptly (no catastrophic regex backtracking).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGunicornParser } from '../../../parsers/gunicorn/parse.js';
import { createAppNdjsonParser, createAppTextParser } from '../../../parsers/app/parse.js';
import type { LineParser } from '../../../parsers/result.js';
import { readExamples } from './support.js';

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['[', ']', ' ', ':', '-', '+', '"', '{', '}', '\\', ',', '.', '0', '9', 'A', 'z', '\t', '\u00e9', '\u26a1', '\ufffd', '(', ')', '%', '\r'];

function mutate(line: string, r: () => number): string {
  let s = line;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = Math.floor(r() * 5);
    const ch = ALPHABET[Math.floor(r() * ALPHABET.length)] ?? ' ';
    if (op === 0) s = s.slice(0, at) + ch + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
    else if (op === 2) s = s.slice(0, at) + ch + s.slice(at + 1);
    else if (op === 3) s = s.slice(0, at);
    else s = s.slice(0, at) + s.slice(at).repeat(2);
  }
  return s;
}

const gunicornLines = readExamples<{ examples: { line: string; before?: string[] }[] }>('gunicorn').examples.flatMap((e) => [...(e.before ?? []), e.line]);
const appLines = readExamples<{ examples: { line: string }[] }>('app').examples.map((e) => e.line);

function fuzz(name: string, make: () => LineParser<unknown>, lines: readonly string[], seed: number): void {
  test(`fuzz: ${name} never throws and every reject has a reason (seed ${seed})`, () => {
    const r = rng(seed);
    const parse = make();
    for (let round = 0; round < 40; round++) {
      for (const line of lines) {
        const m = mutate(line, r);
        const out = parse(m);
        assert.ok(['record', 'continuation', 'ignored', 'reject'].includes(out.kind), m);
        if (out.kind === 'reject') assert.ok(out.reason.length > 10, `empty reason for ${JSON.stringify(m)}`);
      }
    }
  });
}

fuzz('gunicorn stream', () => createGunicornParser({ tz: 'Europe/Berlin' }), gunicornLines, 20240601);
fuzz('app text', () => createAppTextParser({ tz: 'UTC' }), [...appLines, ...gunicornLines], 7);
fuzz('app ndjson', () => createAppNdjsonParser({ tz: 'UTC' }), appLines, 99);

test('fuzz: 1 MB lines return within a second in every parser', () => {
  const big = [
    '[2024-01-02 03:04:05 +0000] [1] [INFO] ' + 'a'.repeat(1 << 20),
    '2024-01-02 03:04:05,123 [1] WARNING app: Slow request: ' + '9'.repeat(1 << 20),
    'INFO:     ' + '127.0.0.1:1 - "GET /' + 'x'.repeat(1 << 20),
    '{"method":"GET","path":"' + 'p'.repeat(1 << 20),
    '[' .repeat(1 << 20),
    ' '.repeat(1 << 20) + 'x',
    'a - - [' + '1'.repeat(1 << 20),
    'Slow request: ' + 'Slow request: '.repeat(1 << 16),
  ];
  const parsers = [createGunicornParser({ tz: 'UTC' }), createAppTextParser({ tz: 'UTC' }), createAppNdjsonParser({ tz: 'UTC' })];
  for (const line of big) {
    for (const p of parsers) {
      const t0 = performance.now();
      const out = p(line);
      const ms = performance.now() - t0;
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms for a line starting ${JSON.stringify(line.slice(0, 30))}`);
      if (out.kind === 'reject') assert.ok(out.reason.length > 10);
    }
  }
});
