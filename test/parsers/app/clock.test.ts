/**
 * The clock reader's fast path for `YYYY-MM-DDTHH:MM:SS.mmmZ` (parsers/app/clock.ts) against its
 * general reading: the same answer for every text, valid or not, including the edges the fast path
 * hands back (leap days, second 60, years before 1970, other separators and lengths).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClockReader } from '../../../parsers/app/clock.js';
import { seededRandom } from '../../support/random.js';

const fast = createClockReader('UTC');
const general = createClockReader('UTC', { fastPaths: false });

test('the ISO fast path reads as the general path does, on edges and on 20000 random near-ISO texts', () => {
  const edges = [
    '2024-03-10T00:00:00.004Z', '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z',
    '2000-02-29T12:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-12-31T23:59:60.000Z', '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-00-10T00:00:00.000Z', '2024-03-10T24:00:00.000Z',
    '2024-03-10 00:00:00.004Z', '2024-03-10T00:00:00,004Z', '2024-03-10T00:00:00.0040Z', '2024-03-10T00:00:00.004+00:00',
    '2024-03-1O T00:00:00.004Z', '２024-03-10T00:00:00.004Z', '2024-03-10T00:60:00.000Z', '2024-03-10T00:00:00.00aZ',
  ];
  const rnd = seededRandom(18);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const texts = [...edges];
  for (let i = 0; i < 20000; i++) {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let t = `${pad(1960 + Math.floor(rnd() * 200), 4)}-${pad(Math.floor(rnd() * 14), 2)}-${pad(Math.floor(rnd() * 33), 2)}T` +
      `${pad(Math.floor(rnd() * 25), 2)}:${pad(Math.floor(rnd() * 61), 2)}:${pad(Math.floor(rnd() * 62), 2)}.${pad(Math.floor(rnd() * 1000), 3)}Z`;
    if (rnd() < 0.3) { // one character replaced: separators, digits, the Z
      const at = Math.floor(rnd() * t.length);
      t = t.slice(0, at) + pick('0123456789-:.T Z+,x') + t.slice(at + 1);
    }
    texts.push(t);
  }
  let fastAnswered = 0;
  for (const t of texts) {
    const a = fast.read(t);
    const b = general.read(t);
    assert.deepEqual(a, b, t);
    if (a.ok) fastAnswered++;
  }
  assert.ok(fastAnswered > 5000, `only ${fastAnswered} of the texts were valid times: the generator is broken`);
});
