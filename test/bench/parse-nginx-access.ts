/**
 * Micro benchmark (not a test): parse-only throughput of the nginx access parser over generated lines.
 * Prints lines/s; asserts nothing. Run: node dist/test/bench/parse-nginx-access.js
 */
import { createNginxAccessParser } from '../../parsers/nginx-access/parse.js';
import { createNginxErrorParser } from '../../parsers/nginx-error/parse.js';
import type { LineParser } from '../../parsers/result.js';

const N = Number(process.env['BENCH_LINES'] ?? 1_000_000);
const PATHS = ['/', '/api/orders/42', '/static/app.3f9a.js', '/search?q=nginx+timeout&page=2', '/favicon.ico', '/login'];
const UAS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0', 'python-requests/2.31.0'];
const STATUS = [200, 200, 200, 304, 404, 499, 502, 504];

function time(i: number): string {
  const s = Math.floor(i / 50);
  const sec = String(s % 60).padStart(2, '0');
  const min = String(Math.floor(s / 60) % 60).padStart(2, '0');
  return `02/Jan/2024:03:${min}:${sec} +0000`;
}

function combinedLine(i: number): string {
  return `10.0.${i % 256}.${(i >> 8) % 256} - - [${time(i)}] "GET ${PATHS[i % PATHS.length]} HTTP/1.1" ${STATUS[i % STATUS.length]} ${i % 9000} "-" "${UAS[i % UAS.length]}"`;
}

function timingLine(i: number): string {
  const rt = ((i % 3000) / 1000).toFixed(3);
  const retry = i % 17 === 0;
  const uct = retry ? '-, 0.001' : '0.001';
  const uht = retry ? '-, 0.120' : (Number(rt) * 0.9).toFixed(3);
  return `${combinedLine(i)} rt=${rt} uct="${uct}" uht="${uht}" urt="${retry ? '0.000, ' : ''}${rt}"`;
}

function errorLine(i: number): string {
  return `2024/01/02 03:04:${String((i >> 6) % 60).padStart(2, '0')} [error] 7#7: *${i} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.${i % 256}, server: _, request: "GET ${PATHS[i % PATHS.length]} HTTP/1.1", upstream: "http://127.0.0.1:8000${PATHS[i % PATHS.length]}", host: "a.example"`;
}

function bench(name: string, parse: LineParser<unknown>, make: (i: number) => string): void {
  const lines = Array.from({ length: Math.min(N, 200_000) }, (_, i) => make(i));
  for (let i = 0; i < 50_000; i++) parse(lines[i % lines.length]!); // warm up
  let records = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const line = lines[i % lines.length]!;
    bytes += line.length;
    if (parse(line).kind === 'record') records++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name.padEnd(22)} ${(N / s / 1e6).toFixed(2)} M lines/s  ${(bytes / s / 1e6).toFixed(0)} MB/s  (${records}/${N} records, ${s.toFixed(2)} s)`);
}

bench('nginx combined', createNginxAccessParser({ tz: 'UTC', format: 'combined' }), combinedLine);
bench('nginx upstream_time', createNginxAccessParser({ tz: 'UTC', format: 'upstream_time' }), timingLine);
bench('nginx error', createNginxErrorParser({ tz: 'UTC' }), errorLine);
