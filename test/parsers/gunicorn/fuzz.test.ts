/**
 * Seeded mutation of every example line (gunicorn and app): the parsers never throw, every result is
 * sane (test/parsers/sane-result.ts), and a 1 MB line returns promptly (no catastrophic backtracking).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGunicornParser } from '../../../parsers/gunicorn/parse.js';
import { createAppNdjsonParser, createAppTextParser } from '../../../parsers/app/parse.js';
import type { LineParser } from '../../../parsers/result.js';
import { readExamples } from '../examples.js';
import { seededRandom } from '../../support/random.js';
import { assertSaneResult } from '../sane-result.js';

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

const gunicornLines = readExamples('gunicorn').examples.flatMap((e) => [...(e.before ?? []), e.line]);
const appLines = readExamples('app').examples.map((e) => e.line);

function fuzz(name: string, make: () => LineParser<unknown>, lines: readonly string[], seed: number): void {
  test(`fuzz: ${name} never throws and every reject has a reason (seed ${seed})`, () => {
    const r = seededRandom(seed);
    const parse = make();
    for (let round = 0; round < 40; round++) {
      for (const line of lines) {
        const m = mutate(line, r);
        assertSaneResult(parse(m), m);
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
      assertSaneResult(out, line);
    }
  }
});
