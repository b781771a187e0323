import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadNginxConf, loadNginxDump, type Directive } from '../../src/nginx-conf/load.js';
import { fixture, writeTemp } from './helpers.js';

const names = (ds: readonly Directive[]): string[] => ds.map((d) => d.name);

test('load: includes follow globs in sorted order and resolve against the main config directory', () => {
  const r = loadNginxConf(fixture('site/nginx.conf'));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  // snippets/proxy.conf is included from conf.d/api.conf, yet resolved against site/, as nginx does.
  assert.deepEqual(r.value.files.map((f) => f.replace(fixture('site/'), '')), ['nginx.conf', 'mime.types', 'conf.d/admin.conf', 'conf.d/api.conf', 'snippets/proxy.conf', 'conf.d/upstreams.conf']);
  const http = r.value.directives.find((d) => d.name === 'http');
  assert.ok(http?.block);
  // the include directives are replaced by what they include
  assert.ok(!names(http.block).includes('include'));
  assert.deepEqual(names(http.block).filter((n) => n === 'server' || n === 'upstream'), ['server', 'server', 'upstream', 'upstream']);
});

test('load: directives cite the file and line they were written on', () => {
  const r = loadNginxConf(fixture('site/nginx.conf'));
  assert.ok(r.ok);
  const http = r.value.directives.find((d) => d.name === 'http');
  const api = http?.block?.filter((d) => d.name === 'server')[1];
  const root = api?.block?.find((d) => d.name === 'location');
  const prt = root?.block?.find((d) => d.name === 'proxy_read_timeout');
  assert.equal(prt?.file, fixture('site/snippets/proxy.conf'));
  assert.equal(prt?.line, 8);
});

test('load: an nginx -T dump gives the same tree as the files, citing the original paths', () => {
  const dump = loadNginxDump(readFileSync(fixture('dump-nginx-T.txt'), 'utf8'));
  const disk = loadNginxConf(fixture('site/nginx.conf'));
  assert.ok(dump.ok && disk.ok);
  assert.deepEqual(dump.value.files, ['/etc/nginx/nginx.conf', '/etc/nginx/mime.types', '/etc/nginx/conf.d/admin.conf', '/etc/nginx/conf.d/api.conf', '/etc/nginx/snippets/proxy.conf', '/etc/nginx/conf.d/upstreams.conf']);
  const strip = (ds: readonly Directive[]): unknown => ds.map((d) => ({ n: d.name, a: d.args, l: d.line, f: basename(d.file), b: d.block ? strip(d.block) : null }));
  assert.deepEqual(strip(dump.value.directives), strip(disk.value.directives));
});

test('load: a file given to --nginx-conf that holds nginx -T output is read as a dump', () => {
  const r = loadNginxConf(fixture('dump-nginx-T.txt'));
  assert.ok(r.ok);
  assert.equal(r.value.main, '/etc/nginx/nginx.conf');
});

test('load: a glob matching nothing is fine, a missing plain include is an error naming file:line', () => {
  const r = loadNginxConf(fixture('broken/missing-include.conf'));
  assert.ok(!r.ok);
  assert.equal(r.error.file, fixture('broken/missing-include.conf'));
  assert.equal(r.error.line, 5);
  assert.match(r.error.message, /sites-enabled\/default.*No such file/);
});

test('load: unbalanced braces name the block that is never closed', () => {
  const r = loadNginxConf(fixture('broken/unbalanced-brace.conf'));
  assert.ok(!r.ok);
  // The location's "}" closes nothing of its own: it is the http block, opened on line 3, that stays open.
  assert.equal(r.error.line, 3);
  assert.match(r.error.message, /"http" block opened here is never closed \(nginx reports it at line 11\)/);
});

test('load: a stray closing brace is an error at its line', () => {
  const r = loadNginxConf(fixture('broken/stray-close.conf'));
  assert.ok(!r.ok);
  assert.equal(r.error.line, 8);
  assert.match(r.error.message, /unexpected "}"/);
});

test('load: an unterminated quote names the line it opened on', () => {
  const r = loadNginxConf(fixture('broken/unterminated-quote.conf'));
  assert.ok(!r.ok);
  assert.equal(r.error.line, 4);
});

test('load: a directive without ";" before "}" is rejected', () => {
  const dir = writeTemp({ 'nginx.conf': 'events {}\nhttp { server { listen 80 } }\n' });
  const r = loadNginxConf(join(dir, 'nginx.conf'));
  assert.ok(!r.ok);
  assert.match(r.error.message, /"listen" on line 2 has no ";"/);
});

test('load: an include cycle stops with an error instead of looping', () => {
  // (a.conf including nginx.conf again would stop earlier, as in nginx: "events" directive is duplicate)
  const dir = writeTemp({ 'nginx.conf': 'events {}\ninclude a.conf;\n', 'a.conf': 'include b.conf;\n', 'b.conf': 'include a.conf;\n' });
  const r = loadNginxConf(join(dir, 'nginx.conf'));
  assert.ok(!r.ok);
  assert.match(r.error.message, /include cycle/);
});

// nginx itself must agree: every valid fixture passes `nginx -t`, every broken one fails both.
const NGINX = '/usr/sbin/nginx';
test('load: nginx -t agrees on every config fixture', { skip: existsSync(NGINX) ? false : `nginx is not installed at ${NGINX}: the agreement check needs it` }, () => {
  const valid = ['site/nginx.conf', 'minimal/nginx.conf'];
  const broken = readdirSync(fixture('broken')).map((f) => `broken/${f}`);
  for (const rel of [...valid, ...broken]) {
    const prefix = mkdtempSync(join(tmpdir(), 'droptrace-nginx-t-'));
    mkdirSync(join(prefix, 'logs'));
    const nginx = spawnSync(NGINX, ['-t', '-q', '-c', fixture(rel), '-p', prefix, '-e', join(prefix, 'logs/error.log')], { encoding: 'utf8' });
    const ours = loadNginxConf(fixture(rel));
    const nginxOk = nginx.status === 0;
    assert.equal(ours.ok, nginxOk, `${rel}: nginx -t says ${nginxOk ? 'ok' : nginx.stderr.trim()}; droptrace says ${ours.ok ? 'ok' : ours.error.message}`);
    assert.equal(nginxOk, valid.includes(rel), `${rel}: nginx -t ${nginxOk ? 'accepts' : 'rejects'} it (${nginx.stderr.trim()})`);
    if (!ours.ok) assert.ok(nginx.stderr.includes(ours.error.file), `${rel}: nginx names ${nginx.stderr.trim()}, we name ${ours.error.file}`);
  }
});
