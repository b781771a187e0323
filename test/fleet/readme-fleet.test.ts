/**
 * The README's "A fleet" night, run as written (issue 18): its shell block between the
 * fleet-night markers, on a generated night of four stacks, with `droptrace` on the PATH as the
 * built CLI. Its query's silent drops per stack per hour are checked against each shard database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { generateStacks, TIMING_FORMAT } from './stacks.js';

function readmeBlock(): string {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const m = /<!-- fleet-night:start -->\n```sh\n([\s\S]*?)```\n<!-- fleet-night:end -->/.exec(readme);
  assert.ok(m, 'README.md has the fleet-night block');
  return m[1]!;
}

test('the README\'s fleet night runs as written on four generated stacks, and its SQL counts what the shards hold', async (t) => {
  const dir = tempDir(t);
  const names = ['web-01', 'web-02', 'web-03', 'web-04'];
  await generateStacks(join(dir, 'logs'), names, 2500, { seed: 21 });
  writeFileSync(join(dir, 'nginx.conf'), `events {}\nhttp {\n  log_format timing '${TIMING_FORMAT}';\n}\n`);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'droptrace'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot(), 'dist', 'src', 'cli', 'main.js')}" "$@"\n`);
  chmodSync(join(bin, 'droptrace'), 0o755);

  const out = execFileSync('bash', ['-e', '-c', readmeBlock()], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.ok(existsSync(join(dir, 'night.html')), 'the report was written');
  assert.match(readFileSync(join(dir, 'night.html'), 'utf8'), /logs\/web-04\/access-timing\.log<\/code><\/td><td>nginx-access<\/td><td class="n">2500</, 'every stack is in the one report');

  // the ingest and export summaries come first, the query's CSV last
  const lines = out.trim().split('\n');
  const at = lines.indexOf('stack,hour,silent_drops,requests');
  assert.ok(at > 0, `the query printed its CSV:\n${out}`);
  const rows = lines.slice(at + 1);
  const fromSql = rows.map((r) => r.split(','));
  assert.deepEqual([...new Set(fromSql.map((r) => r[0]))], names);
  for (const name of names) {
    // the same question asked of the shard's own database (one window: web-01~20240310T000000Z.db)
    const db = join(dir, 'shards', readdirSync(join(dir, 'shards')).find((f) => f.startsWith(`${name}~`) && f.endsWith('.db'))!);
    const run = await runCliCaptured(['requests', '--db', db, '--flag', 'silent', '--format', 'ndjson']);
    assert.equal(run.exitCode, 0, run.stderr);
    const silent = (await runCliCaptured(['requests', '--db', db, '--flag', 'silent', '--format', 'ndjson'])).stdout.trim().split('\n').filter(Boolean);
    const all = (JSON.parse((await runCliCaptured(['query', '--db', db, 'SELECT count(*) AS n FROM request_verdicts', '--format', 'json'])).stdout) as { n: number }[])[0]!.n;
    const mine = fromSql.filter((r) => r[0] === name);
    assert.equal(mine.reduce((n, r) => n + Number(r[2]), 0), silent.length, `${name}: silent drops`);
    assert.equal(mine.reduce((n, r) => n + Number(r[3]), 0), Number(all), `${name}: requests`);
  }
  assert.ok(fromSql.some((r) => Number(r[2]) > 0), 'the night has silent drops to count');
});
