import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, type Token } from '../../src/nginx-conf/tokenize.js';

const words = (text: string): string[] => {
  const r = tokenize(text, 't.conf');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.map((t: Token) => (t.kind === 'word' ? t.text : t.kind));
};

test('tokenize: words, semicolons and braces', () => {
  assert.deepEqual(words('http { server { listen 80; } }'), ['http', '{', 'server', '{', 'listen', '80', ';', '}', '}']);
});

test('tokenize: comments run to the end of the line, but # inside a word is part of it', () => {
  assert.deepEqual(words('a b#c; # comment ; {\nd;'), ['a', 'b#c', ';', 'd', ';']);
});

test('tokenize: double and single quotes, with escapes unescaped as nginx does', () => {
  assert.deepEqual(words(`x "a b" 'c d' "q\\"q" 'it\\'s' "t\\tn";`), ['x', 'a b', 'c d', 'q"q', "it's", 't\tn', ';']);
});

test('tokenize: regex escapes other than quotes stay as written', () => {
  assert.deepEqual(words('location ~ ^/r/(\\d+)$ {}'), ['location', '~', '^/r/(\\d+)$', '{', '}']);
});

test('tokenize: ${var} stays one word; a bare { after a word opens a block', () => {
  assert.deepEqual(words('set $a ${b}c; if ($x){'), ['set', '$a', '${b}c', ';', 'if', '($x)', '{']);
});

test('tokenize: empty quoted string is a word (proxy_set_header Connection "")', () => {
  assert.deepEqual(words('proxy_set_header Connection "";'), ['proxy_set_header', 'Connection', '', ';']);
});

test('tokenize: line numbers count newlines inside quoted strings', () => {
  const r = tokenize('a "x\ny";\nb;', 'f');
  assert.ok(r.ok);
  const lines = r.value.map((t) => t.line);
  assert.deepEqual(lines, [1, 1, 2, 3, 3]);
});

test('tokenize: unterminated quote names the line where it opened', () => {
  const r = tokenize('a;\nlog_format x "abc;\n}\n', 'f.conf');
  assert.ok(!r.ok);
  assert.equal(r.error.line, 2);
  assert.match(r.error.message, /unexpected end of file, expecting ";" or "}": the double quote opened here is never closed/);
  assert.equal(r.error.nginxLine, 4);
  assert.match(r.error.fix, /close the quote/);
});

test('tokenize: text glued to a closing quote is rejected, as nginx does', () => {
  const r = tokenize('a "b"c;', 'f.conf');
  assert.ok(!r.ok);
  assert.match(r.error.message, /unexpected "c"/);
});
