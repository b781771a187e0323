/**
 * Hostile bytes in every field (decoded from an escape=json access log: an OSC 8 hyperlink, a
 * clear-screen, BEL, a C1 CSI, CR, NUL; request ids and user agents that a spreadsheet would run as
 * formulas) through every output format. Text sinks carry no control character; JSON keeps the
 * exact value, escaped; no CSV cell starts a formula.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDroptrace } from './stack.js';

const PAYLOADS: Readonly<Record<string, string>> = {
  osc8: '\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007',
  clear: '\u001b[2J\u001b[H',
  bel: 'ding\u0007',
  c1csi: '\u009b31mred',
  cr: 'over\rwrite',
  nul: 'a\u0000b',
};
const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)'];
/** Controls a terminal acts on; tab and newline are layout. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const dir = mkdtempSync(join(tmpdir(), 'droptrace-chaos-hostile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'd.db');
// the file name itself carries an escape: the ingest summary and errors print it
const log = join(dir, 'access\u001b[31m.json');
const ids: string[] = [];

before(async () => {
  const lines: string[] = [];
  let n = 0;
  for (const [name, p] of Object.entries(PAYLOADS)) {
    for (const f of FORMULAS) {
      const id = `${f}${p}${n}`;
      ids.push(id);
      lines.push(JSON.stringify({
        time_iso8601: `2026-11-25T21:25:${String(n).padStart(2, '0')}+00:00`, msec: 1795641900 + n + 0.5, remote_addr: '127.0.0.1',
        request: `GET /${name}${p}?q=${f} HTTP/1.1`, status: n % 2 ? 502 : 200, body_bytes_sent: 3, request_time: 0.001,
        upstream_addr: '127.0.0.1:8000', upstream_status: n % 2 ? '502' : '200', upstream_response_time: '0.001',
        request_id: id, http_user_agent: `${f} ${p}`, http_referer: `${p}${f}`,
      }));
      n++;
    }
  }
  writeFileSync(log, lines.join('\n') + '\n');
  // the app's record of every request (matched by request id) and an nginx error line for each 502,
  // carrying the same bytes in their own fields: trace and the report print them
  const app = ids.map((id, i) => JSON.stringify({
    ts: new Date((1795641900 + i) * 1000 + 499).toISOString(), level: 'error', request_id: id, method: 'GET',
    path: `/${Object.keys(PAYLOADS)[Math.floor(i / FORMULAS.length)]}${Object.values(PAYLOADS)[Math.floor(i / FORMULAS.length)]}`,
    status: i % 2 ? 500 : 200, elapsed_ms: 1, pid: 4100, error: i % 2 ? `${FORMULAS[i % FORMULAS.length]}${Object.values(PAYLOADS)[Math.floor(i / FORMULAS.length)]}` : undefined,
  }));
  const appLog = join(dir, 'app.ndjson');
  writeFileSync(appLog, app.join('\n') + '\n');
  const errors = ids.flatMap((_, i) => (i % 2 ? [`2026/11/25 21:25:${String(i).padStart(2, '0')} [error] 812#812: *${1000 + i} upstream prematurely closed connection ${Object.values(PAYLOADS)[Math.floor(i / FORMULAS.length)]} while reading response header from upstream, client: 127.0.0.1, server: x, request: "GET /x HTTP/1.1", upstream: "http://127.0.0.1:8000/x", host: "x"`] : []));
  const errorLog = join(dir, 'error.log');
  writeFileSync(errorLog, errors.join('\n') + '\n');
  const r = await runDroptrace(['ingest', '--db', db, '--tz', 'UTC', log, appLog, errorLog]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(CONTROL.test(r.stdout), false, 'the ingest summary prints the file name escaped');
  const stored = JSON.parse((await runDroptrace(['query', '--db', db, '--format', 'json',
    "SELECT (SELECT count(*) FROM app_requests WHERE path GLOB '*[-]*' OR error GLOB '*[-]*') AS app, (SELECT count(*) FROM nginx_error WHERE message GLOB '*[-]*') AS err"])).stdout) as { app: number; err: number }[];
  assert.ok(stored[0]!.app >= 12 && stored[0]!.err >= 6, `hostile app and error rows stored: ${JSON.stringify(stored)}`);
});

const TEXT_SINKS: readonly (readonly string[])[] = [
  ['report', '--format', 'text'], ['report', '--format', 'markdown'], ['report', '--format', 'html'],
  ['requests', '--format', 'table'], ['requests', '--format', 'csv'],
  ['query', '--format', 'table', 'SELECT * FROM nginx_access'], ['query', '--format', 'csv', 'SELECT * FROM nginx_access'],
  ['query', '--format', 'table', 'SELECT * FROM files'],
  ['query', '--format', 'table', 'SELECT * FROM app_requests'], ['query', '--format', 'csv', 'SELECT * FROM app_requests'],
  ['query', '--format', 'table', 'SELECT * FROM nginx_error'], ['query', '--format', 'csv', 'SELECT * FROM nginx_error'],
  ['trace', 'osc8'], ['trace', '--all', 'clear'], ['trace', 'c1csi'],
];

for (const args of TEXT_SINKS) {
  test(`${args.join(' ')}: no control character from the logs reaches the output`, async () => {
    const r = await runDroptrace([...args, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 100);
    const hit = CONTROL.exec(r.stdout);
    assert.equal(hit, null, hit ? `U+${hit[0].charCodeAt(0).toString(16)} at …${JSON.stringify(r.stdout.slice(Math.max(0, hit.index - 40), hit.index + 10))}` : '');
    assert.equal(CONTROL.test(r.stderr), false);
  });
}

test('CSV: no cell a spreadsheet would run as a formula', async () => {
  for (const args of [['requests', '--format', 'csv'], ['query', '--format', 'csv', 'SELECT request_id, user_agent, referer, uri FROM nginx_access']]) {
    const r = await runDroptrace([...args, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const cells = splitCsv(r.stdout);
    assert.ok(cells.length > 24 * 4);
    for (const c of cells) assert.doesNotMatch(c, /^[=+\-@\t\r]/, `cell ${JSON.stringify(c)} from ${args.join(' ')}`);
    // the request ids are all there, neutralised: a leading ' before the formula
    for (const f of FORMULAS) assert.ok(cells.some((c) => c.startsWith(`'${f}`)), f);
  }
});

test('JSON and NDJSON keep every value exactly, escaped', async () => {
  const nd = await runDroptrace(['requests', '--format', 'ndjson', '--db', db]);
  const got = nd.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { request_id: string }).request_id).sort();
  assert.deepEqual(got, [...ids].sort());
  for (const args of [['report', '--format', 'json'], ['requests', '--format', 'json'], ['trace', '--json', 'osc8'], ['query', '--format', 'json', 'SELECT * FROM nginx_access']]) {
    const r = await runDroptrace([...args, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(/[\u0000-\u001f]/.test(r.stdout.replace(/\n/g, '')), false, `${args.join(' ')}: raw control bytes in JSON`);
    JSON.parse(r.stdout);
  }
});

/** Cells of a CSV text (quoted cells with "" inside, commas, newlines in quotes). */
function splitCsv(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error('unterminated quote');
        cell += text.slice(i, q);
        if (text[q + 1] === '"') { cell += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
    } else {
      const m = /[,\n]/.exec(text.slice(i));
      const end = m ? i + m.index : text.length;
      cell = text.slice(i, end);
      i = end;
    }
    cells.push(cell);
    if (text[i] === ',' || text[i] === '\n') i++;
  }
  return cells;
}
