/**
 * Seeded property test (VRL's fuzz idea): mutate real example lines and assert that the parsers never
 * throw, never hang (regexes stay linear — a 1 MB line must parse quickly) and that every result is
 * sane (test/parsers/sane-result.ts: reasons, no NaN in records, matchedUpTo within the line). The seed
 * is fixed so a failure replays; set FUZZ_SEED to explore other seeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNginxAccessParser, createNginxJsonAccessParser } from '../../../parsers/nginx-access/parse.js';
import { createNginxErrorParser } from '../../../parsers/nginx-error/parse.js';
import { PRESET_NAMES } from '../../../parsers/nginx-access/presets.js';
import type { LineParser } from '../../../parsers/result.js';
import type { EscapeMode } from '../../../parsers/nginx-access/compile.js';
import { readExamples } from '../examples.js';
import { seededRandom } from '../../support/random.js';
import { assertSaneResult } from '../sane-result.js';

const INSERTS = ['"', '\\', '\u0000', '\\x22', ' ', '-', '[', ']', ', ', ' : ', '{', '\r', '\u2028', 'é', '"-"', '999999999999999999999'];

function mutate(line: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (line.length + 1));
  switch (Math.floor(rnd() * 7)) {
    case 0: return line.slice(0, at);
    case 1: return line.slice(0, at) + INSERTS[Math.floor(rnd() * INSERTS.length)]! + line.slice(at);
    case 2: return line.slice(0, at) + line.slice(at + 1 + Math.floor(rnd() * 8));
    case 3: {
      const b = Math.floor(rnd() * line.length);
      const chars = [...line];
      [chars[at], chars[b]] = [chars[b] ?? '', chars[at] ?? ''];
      return chars.join('');
    }
    case 4: return line.slice(0, at) + 'x'.repeat(1 + Math.floor(rnd() * 5000)) + line.slice(at);
    case 5: return line.slice(0, at) + '"'.repeat(1 + Math.floor(rnd() * 50)) + line.slice(at);
    default: return line.slice(at) + line.slice(0, at);
  }
}

const SEED = Number(process.env['FUZZ_SEED'] ?? 20240102);
const ROUNDS = 4000;

const accessExamples = readExamples<{ readonly format: string; readonly escape?: EscapeMode; readonly line: string }>('nginx-access').examples;
const errorExamples = readExamples('nginx-error').examples;

function parsersForAccess(): Map<string, LineParser<unknown>> {
  const m = new Map<string, LineParser<unknown>>();
  for (const e of accessExamples) {
    const key = `${e.escape ?? 'default'}|${e.format}`;
    if (m.has(key)) continue;
    m.set(key, e.format === 'json'
      ? createNginxJsonAccessParser({ tz: 'UTC' })
      : createNginxAccessParser({ tz: 'UTC', format: e.format, escape: e.escape ?? 'default' }));
  }
  return m;
}

test(`fuzz: access parsers never throw and every reject has a reason (seed ${SEED})`, () => {
  const rnd = seededRandom(SEED);
  const parsers = parsersForAccess();
  for (let i = 0; i < ROUNDS; i++) {
    const e = accessExamples[Math.floor(rnd() * accessExamples.length)]!;
    let line = e.line;
    const n = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) line = mutate(line, rnd);
    const p = parsers.get(`${e.escape ?? 'default'}|${e.format}`)!;
    assertSaneResult(p(line), line);
  }
});

test(`fuzz: error parser never throws and every reject has a reason (seed ${SEED})`, () => {
  const rnd = seededRandom(SEED + 1);
  const parse = createNginxErrorParser({ tz: 'Europe/Berlin' });
  for (let i = 0; i < ROUNDS; i++) {
    let line = errorExamples[Math.floor(rnd() * errorExamples.length)]!.line;
    const n = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) line = mutate(line, rnd);
    assertSaneResult(parse(line), line);
  }
});

/** Lines built to make a backtracking regex explode: each must parse within a time budget. */
function hostileLines(): string[] {
  const mb = 1 << 20;
  const head = '192.0.2.7 - - [02/Jan/2024:03:04:05 +0000] "';
  return [
    'x'.repeat(mb),
    ' '.repeat(mb),
    '"'.repeat(mb),
    `${head}${'GET / '.repeat(mb / 6)}`,
    `${head}GET /${'a'.repeat(mb)} HTTP/1.1" 200 5 "-" "-"`,
    `${head}GET / HTTP/1.1" 200 5 "${'" "'.repeat(mb / 3)}`,
    `${'1.2.3.4, '.repeat(mb / 9)}- - [02/Jan/2024:03:04:05 +0000]`,
    `${head}GET / HTTP/1.1" 200 5 "-" "-" 1 0.1 [a] [] ${'10.0.0.1:80, '.repeat(mb / 13)}`,
    `2024/01/02 03:04:05 [error] 1#1: *1 x${', client: a, server: b, request: "'.repeat(mb / 38)}`,
    `2024/01/02 03:04:05 [error] 1#1: *1 x, client: a, server: b${', request: "", upstream: "'.repeat(mb / 26)}`,
    `nginx: [emerg] ${'nginx: ['.repeat(mb / 8)}`,
    `${'['.repeat(mb)}`,
  ];
}

test('no catastrophic backtracking: 1 MB hostile lines parse in bounded time', () => {
  const access = [...PRESET_NAMES.map((f) => createNginxAccessParser({ tz: 'UTC', format: f })), createNginxJsonAccessParser({ tz: 'UTC' })];
  const error = createNginxErrorParser({ tz: 'UTC' });
  for (const line of hostileLines()) {
    for (const p of [...access, error]) {
      const t0 = performance.now();
      const r = p(line);
      const ms = performance.now() - t0;
      assertSaneResult(r, line);
      assert.ok(ms < 1500, `${ms.toFixed(0)} ms for a ${line.length}-char line starting ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
});
