import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type Line } from '../../src/ingest/lines.js';

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
