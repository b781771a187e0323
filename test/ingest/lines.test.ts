import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type Line } from '../../src/ingest/lines.js';
import * as RANDOM from '../support/random.js';

function split(chunks: (string | Buffer)[], max?: number): Line[] {
  const out: Line[] = [];
  const s = new LineSplitter((l) => out.push(l), undefined, max);
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

test('lines_split_across_chunks_keep_offsets', () => {
  const lines = split(['ab', 'c\nde', 'f\n', 'g\n']);
  assert.deepEqual(lines.map((l) => [l.text, l.lineNo, l.offset, l.end]), [['abc', 1, 0, 4], ['def', 2, 4, 8], ['g', 3, 8, 10]]);
});

test('crlf_line_end_is_stripped_but_counted_in_offsets', () => {
  const lines = split(['a\r\nb\r\n']);
  assert.deepEqual(lines.map((l) => [l.text, l.offset, l.end, l.bytes]), [['a', 0, 3, 1], ['b', 3, 6, 1]]);
});

test('invalid_utf8_is_flagged_and_replaced', () => {
  const lines = split([Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xef, 0xbf, 0xbd, 0x0a])]);
  assert.equal(lines[0]!.text, 'a\uFFFDb');
  assert.equal(lines[0]!.invalidUtf8, true);
  // a real U+FFFD in valid UTF-8 is not an error
  assert.equal(lines[1]!.invalidUtf8, false);
});

test('nul_bytes_are_flagged_and_made_visible', () => {
  const [l] = split([Buffer.from('a\0b\n')]);
  assert.equal(l!.text, 'a\u2400b');
  assert.equal(l!.hadNul, true);
});

test('truncated_last_line_is_unterminated', () => {
  const lines = split(['one\ntwo']);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.unterminated, true);
  assert.equal(lines[1]!.end, 7);
});

test('over_long_line_is_cut_and_memory_bounded', () => {
  const big = 'x'.repeat(3000);
  const lines = split([big.slice(0, 1000), big.slice(1000), '\nnext\n'], 1024);
  assert.equal(lines[0]!.truncated, true);
  assert.equal(lines[0]!.text.length, 1024);
  assert.equal(lines[0]!.bytes, 3000);
  assert.equal(lines[1]!.text, 'next');
  assert.equal(lines[1]!.offset, 3001);
});

test('one_megabyte_line_in_one_chunk', () => {
  const lines = split(['y'.repeat(2 * 1024 * 1024) + '\nz\n']);
  assert.equal(lines[0]!.truncated, true);
  assert.equal(lines[0]!.bytes, 2 * 1024 * 1024);
  assert.equal(lines[1]!.text, 'z');
});

test('an ASCII chunk decoded once gives the lines that decoding each line gives, over random chunkings of mixed bytes', () => {
  const { seededRandom } = RANDOM;
  const rnd = seededRandom(2026);
  const alphabet = [...'abc GET /x?q=1 "HTTP/1.1" 200 '].map((c) => c.charCodeAt(0));
  for (let round = 0; round < 300; round++) {
    const bytes: number[] = [];
    const len = 1 + Math.floor(rnd() * 400);
    for (let i = 0; i < len; i++) {
      const r = rnd();
      if (r < 0.06) bytes.push(10);
      else if (r < 0.08) bytes.push(13, 10);
      else if (r < 0.09) bytes.push(0);
      else if (round % 3 === 0 && r < 0.11) bytes.push(0xc3, 0xa9); // é: a chunk that is not ASCII
      else if (round % 5 === 0 && r < 0.12) bytes.push(0xff); // invalid UTF-8
      else bytes.push(alphabet[Math.floor(rnd() * alphabet.length)]!);
    }
    const whole = Buffer.from(bytes);
    // the reference: every line decoded on its own from the whole content
    const want: [string, number, number, number, boolean, boolean, boolean][] = [];
    let at = 0;
    while (at < whole.length) {
      const nl = whole.indexOf(10, at);
      const stop = nl === -1 ? whole.length : nl;
      let end = stop;
      if (end > at && whole[end - 1] === 13 && nl !== -1) end--;
      if (nl === -1 && end > at && whole[end - 1] === 13) end--; // a last line's \r is cut as well
      const raw = whole.toString('utf8', at, end);
      want.push([raw.replaceAll('\0', '\u2400'), at, nl === -1 ? whole.length : nl + 1, end - at, raw.includes('\uFFFD'), raw.includes('\0'), nl === -1]);
      at = nl === -1 ? whole.length : nl + 1;
    }
    const chunks: Buffer[] = [];
    for (let i = 0; i < whole.length;) {
      const n = 1 + Math.floor(rnd() * 64);
      chunks.push(whole.subarray(i, i + n));
      i += n;
    }
    const got = split(chunks).map((l) => [l.text, l.offset, l.end, l.bytes, l.invalidUtf8, l.hadNul, l.unterminated]);
    assert.deepEqual(got, want, `round ${round}: ${JSON.stringify(whole.toString('latin1'))}`);
  }
});
