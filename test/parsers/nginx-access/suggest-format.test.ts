/**
 * The suggested `--log-format` for an access log no preset reads: only values whose shape names their
 * variable are named, every other value is a `?`, and the skeleton must read the sample before it is
 * offered (a suggestion is a claim about the lines' layout).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guessNginxLogFormatPieces, suggestNginxLogFormat } from '../../../parsers/nginx-access/suggest-format.js';
import { NGINX_ACCESS_CUSTOM_SHAPE } from '../../../parsers/nginx-access/shape.js';

const ISO = [
  '2025-06-14T08:30:12+02:00 198.51.100.23 "PUT /orders/71 HTTP/1.1" 504 0 rt=60.002 urt="60.001" rid=7f3a9c',
  '2025-06-14T08:30:13+02:00 198.51.100.24 "GET /orders HTTP/1.1" 200 1834 rt=0.031 urt="0.030" rid=7f3a9d',
];
const MSEC = [
  '1749889812.250 203.0.113.40 "GET /health HTTP/2.0" 200 17 0.004',
  '1749889813.007 2001:db8::7 "POST /login HTTP/1.1" 401 52 0.120',
];

test('suggestNginxLogFormat: time-first lines get their time, address, request, status and bytes named, the rest ?', () => {
  assert.deepEqual(suggestNginxLogFormat(ISO), {
    format: '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent rt=? urt="?" rid=?', unnamed: 3, reads: 2, of: 2,
  });
  assert.deepEqual(suggestNginxLogFormat(MSEC), { format: '$msec $remote_addr "$request" $status $body_bytes_sent ?', unnamed: 1, reads: 2, of: 2 });
});

test('suggestNginxLogFormat: a combined line with extra fields keeps [$time_local] and leaves the user, referer and agent unnamed', () => {
  const lines = ['192.0.2.7 - - [14/Jun/2025:08:30:12 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" rt=0.012 rid=abc'];
  assert.equal(suggestNginxLogFormat(lines)?.format, '$remote_addr ? ? [$time_local] "$request" $status $body_bytes_sent "?" "?" rt=? rid=?');
});

test('suggestNginxLogFormat: nothing is claimed when the first line\'s layout does not read most of the sample', () => {
  const mixed = [ISO[0]!, MSEC[0]!, MSEC[1]!];
  assert.equal(suggestNginxLogFormat(mixed), null);
  // no request line and status: not an access line droptrace can name anything in
  assert.equal(guessNginxLogFormatPieces('2025-06-14T08:30:12+02:00 worker started'), null);
  // a clock is not an IPv6 address
  assert.equal(suggestNginxLogFormat(['08:30:12 "GET / HTTP/1.1" 200 5'])?.format, '? "$request" $status $body_bytes_sent');
});

test('NGINX_ACCESS_CUSTOM_SHAPE: a quoted request line then a status, without a CLF time', () => {
  for (const l of [...ISO, ...MSEC]) assert.equal(NGINX_ACCESS_CUSTOM_SHAPE.test(l), true, l);
  assert.equal(NGINX_ACCESS_CUSTOM_SHAPE.test('192.0.2.7 - - [14/Jun/2025:08:30:12 +0000] "GET / HTTP/1.1" 200 5 "-" "-"'), false, 'combined: the preset shape');
  assert.equal(NGINX_ACCESS_CUSTOM_SHAPE.test('2025-06-14T08:30:12+02:00 198.51.100.23 "GET / HTTP/1.1" "curl"'), false, 'no status after the request');
  assert.equal(NGINX_ACCESS_CUSTOM_SHAPE.test('2025-06-14T08:30:12+02:00 "not a request" 200'), false);
});
