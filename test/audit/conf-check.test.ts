/**
 * The loader refuses what `nginx -t` refuses, in nginx's words and at nginx's file:line, and notes
 * what nginx would accept but droptrace does not read. Every fixture in broken/ is a real mistake;
 * where nginx is installed each is compared with what `nginx -t` says about the same file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNginxConf, loadNginxDump } from '../../src/nginx-conf/load.js';
import { runAudit } from '../../src/audit/index.js';
import { repoRoot } from '../helpers.js';
import { NGINX } from './directive-sweep.js';
import { conf, fixture, writeTemp } from './helpers.js';
import { HTTP_DIRECTIVES, UPSTREAM_DIRECTIVES } from '../../src/nginx-conf/directives.js';
import { sweep, sweepValues } from './directive-sweep.js';
import { NGINX_DIRECTIVE_ROWS } from '../../src/nginx-conf/directive-table.js';

const noNginx = existsSync(NGINX) ? false : `nginx is not installed at ${NGINX}: the comparison with nginx -t needs it`;

function nginxT(file: string): { ok: boolean; message: string; file: string; line: number } {
  const prefix = mkdtempSync(join(tmpdir(), 'droptrace-nginx-t-'));
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'run'));
  const r = spawnSync(NGINX, ['-t', '-q', '-c', file, '-p', prefix, '-e', join(prefix, 'logs/error.log')], { encoding: 'utf8' });
  const m = /\[emerg\] (.*) in (\/[^\n]*):(\d+)\n/.exec(r.stderr);
  return { ok: r.status === 0, message: m?.[1] ?? r.stderr.trim(), file: m?.[2] ?? '', line: Number(m?.[3] ?? 0) };
}

const rejected = readdirSync(fixture('broken')).filter((f) => f.endsWith('.conf'));

test('conf-check: each real mistake is refused with nginx -t\'s message, file and line', { skip: noNginx }, () => {
  assert.ok(rejected.length >= 20, `broken/ holds ${rejected.length} fixtures`);
  for (const name of rejected) {
    const path = fixture(`broken/${name}`);
    const nginx = nginxT(path);
    const ours = loadNginxConf(path);
    assert.ok(!nginx.ok, `${name}: nginx -t accepts it`);
    assert.ok(!ours.ok, `${name}: nginx -t says "${nginx.message}", droptrace accepts it`);
    assert.ok(ours.error.message.includes(nginx.message), `${name}: nginx says "${nginx.message}", we say "${ours.error.message}"`);
    assert.equal(ours.error.file, nginx.file, name);
    assert.equal(ours.error.nginxLine ?? ours.error.line, nginx.line, `${name}: nginx cites line ${nginx.line}`);
  }
});

test('conf-check: the issue\'s lost ";" after proxy_pass is an error naming the line to fix, and the audit prints no chain', () => {
  const path = fixture('broken/missing-semicolon.conf');
  const out = runAudit({ nginxConf: path });
  assert.ok(!out.ok);
  assert.equal(out.error.where, `${path}:10`);
  assert.match(out.error.message, /^invalid number of arguments in "proxy_pass" directive: it takes 1 argument, found 3 \("http:\/\/127\.0\.0\.1:8000" "proxy_read_timeout" "30s"\)/);
  assert.match(out.error.fix, /end line 9 with ";": "proxy_read_timeout" on line 10 is read as an argument of "proxy_pass"/);
});

test('conf-check: times are checked with nginx\'s units (30sec, 1.5s, a unit apart, ms where seconds are meant)', () => {
  const reason = (name: string): string => {
    const r = loadNginxConf(fixture(`broken/${name}`));
    assert.ok(!r.ok, name);
    return r.error.message;
  };
  assert.match(reason('time-bad-unit.conf'), /"30sec" is not an nginx time: "sec" is not a unit/);
  assert.match(reason('time-fraction.conf'), /"1\.5s" .*no fractions/);
  assert.match(reason('time-unit-apart.conf'), /"s" is not an nginx time: it has no number/);
  assert.match(reason('time-ms-in-seconds.conf'), /"ms" is not a unit here .*whole seconds/);
  // and what nginx takes stays accepted
  const ok = loadNginxConf(join(writeTemp({ 'nginx.conf': conf('proxy_read_timeout 1m30s; proxy_send_timeout 500ms; keepalive_timeout "1m 5s" 60; ssl_session_timeout 1d; send_timeout 90;') }), 'nginx.conf'));
  assert.ok(ok.ok, ok.ok ? '' : ok.error.message);
});

test('conf-check: a directive in the wrong block names where nginx takes it', () => {
  const r = loadNginxConf(fixture('broken/proxy-pass-in-http.conf'));
  assert.ok(!r.ok);
  assert.match(r.error.message, /"proxy_pass" directive is not allowed here \(in http\)/);
  assert.match(r.error.fix, /location, if in location, limit_except/);
});

test('conf-check: a typo of a known directive is refused with the name it resembles', () => {
  const r = loadNginxConf(fixture('broken/typo.conf'));
  assert.ok(!r.ok);
  assert.match(r.error.message, /unknown directive "proxy_read_timout" \(in location\): did you mean "proxy_read_timeout"\?/);
});

test('conf-check: third-party directives are notes, the rest of the chain is still read (Lua code is skipped as Lua)', () => {
  const out = runAudit({ nginxConf: fixture('third-party/nginx.conf') });
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  const notes = out.result.inputs.notes.join('\n');
  assert.match(notes, /"more_set_headers": from headers-more-nginx-module, not nginx; droptrace neither checks nor reads this directive \(nginx accepts it only where that module is loaded\)/);
  assert.match(notes, /"vhost_traffic_status_zone": from nginx-module-vts/);
  // one note per module, naming each directive once and citing each place
  assert.match(notes, /"lua_shared_dict", "content_by_lua_block": from lua-nginx-module \(OpenResty\), not nginx; droptrace neither checks nor reads these directives \(nginx accepts them/);
  assert.equal(notes.match(/"more_set_headers"/g)?.length, 1);
  assert.match(notes, /nginx\.conf:11, .*nginx\.conf:16\)/);
  assert.equal(out.result.inputs.notes.length, 3);
  const read = out.result.chain.flatMap((l) => l.values).find((v) => v.setting === 'proxy_read_timeout');
  assert.equal(read?.value_s, 30);
});

test('conf-check: an unknown directive is an error, a note after load_module, and a note in nginx -T output (nginx accepted it)', () => {
  const body = 'server { listen 8080; location / { proxy_pass http://127.0.0.1:8000; fancy_thing on; } }';
  const plain = loadNginxConf(join(writeTemp({ 'nginx.conf': conf(body) }), 'nginx.conf'));
  assert.ok(!plain.ok);
  assert.match(plain.error.message, /^unknown directive "fancy_thing" \(in location\)/);
  assert.match(plain.error.fix, /nginx -T \| droptrace audit --nginx-conf -/);

  const loaded = loadNginxConf(join(writeTemp({ 'nginx.conf': `load_module modules/ngx_fancy.so;\n${conf(body)}` }), 'nginx.conf'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  assert.match(loaded.value.notes.join('\n'), /"fancy_thing": not among nginx's own directives; nginx accepts it only if a module loaded with load_module \(.*nginx\.conf:1\) provides it/);

  const dump = loadNginxDump(`# configuration file /etc/nginx/nginx.conf:\n${conf(body)}\n`);
  assert.ok(dump.ok, dump.ok ? '' : dump.error.message);
  assert.match(dump.value.notes.join('\n'), /"fancy_thing": not among nginx's own directives; nginx -T accepted it/);
});

test('conf-check: an unknown block of a third-party module is skipped whole', () => {
  const text = 'events {}\nrtmp {\n  server {\n    listen 1935;\n    application live { live on; }\n  }\n}\nhttp { server { listen 8080; } }\n';
  const r = loadNginxConf(join(writeTemp({ 'nginx.conf': text }), 'nginx.conf'));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.match(r.value.notes.join('\n'), /"rtmp": from nginx-rtmp-module/);
});

test('conf-check: every config fixture and sample still audits cleanly', () => {
  const samples = readdirSync(join(repoRoot(), 'samples')).map((s) => join(repoRoot(), 'samples', s, 'conf/nginx.conf')).filter((p) => existsSync(p));
  assert.ok(samples.length >= 4);
  for (const path of [fixture('site/nginx.conf'), fixture('minimal/nginx.conf'), fixture('dump-nginx-T.txt'), ...samples]) {
    const out = runAudit({ nginxConf: path });
    assert.ok(out.ok, out.ok ? '' : `${path}: ${out.error.where}: ${out.error.message}`);
    assert.ok(out.result.chain.length > 0, `${path}: no chain`);
  }
});

test('conf-check: the valid fixtures pass nginx -t too (the table accepts what nginx accepts)', { skip: noNginx }, () => {
  const samples = readdirSync(join(repoRoot(), 'samples')).map((s) => join(repoRoot(), 'samples', s, 'conf/nginx.conf')).filter((p) => existsSync(p));
  for (const path of [fixture('site/nginx.conf'), fixture('minimal/nginx.conf'), ...samples]) {
    const nginx = nginxT(path);
    // an upstream host this machine cannot resolve is nginx's concern at start, not a config mistake
    assert.ok(nginx.ok || /host not found/.test(nginx.message), `${path}: nginx -t says ${nginx.message}`);
    assert.ok(loadNginxConf(path).ok, path);
  }
});

test('conf-check: this machine\'s own nginx -T output audits (--nginx-conf -)', { skip: noNginx }, (t) => {
  const dump = spawnSync(NGINX, ['-T', '-q'], { encoding: 'utf8' });
  if (dump.status !== 0) return t.skip(`nginx -T fails here (${dump.stderr.trim()}): no dump to read`);
  const out = runAudit({ nginxDump: dump.stdout });
  assert.ok(out.ok, out.ok ? '' : `${out.error.where}: ${out.error.message}`);
  assert.ok(out.result.inputs.nginx_files.length > 1);
});

test('conf-check: a 150,000-line flat include (deny lists) loads without running out of stack', () => {
  const dir = writeTemp({ 'nginx.conf': conf('server { listen 8080; location / { include deny.conf; proxy_pass http://127.0.0.1:8000; } }') });
  const lines: string[] = [];
  for (let i = 0; i < 150_000; i++) lines.push(`deny 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255};`);
  writeFileSync(join(dir, 'deny.conf'), lines.join('\n') + '\n');
  const r = loadNginxConf(join(dir, 'nginx.conf'));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const location = r.value.directives.find((d) => d.name === 'http')?.block?.find((d) => d.name === 'server')?.block?.find((d) => d.name === 'location');
  assert.equal(location?.block?.filter((d) => d.name === 'deny').length, 150_000);
});

test('conf-check: an include droptrace may not read says permission denied with its path, not "No such file"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droptrace-eacces-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'nginx.conf'), conf('include secret.conf;'));
  writeFileSync(join(dir, 'secret.conf'), 'server { listen 8080; }\n');
  chmodSync(join(dir, 'secret.conf'), 0o000);
  chmodSync(join(dir, 'nginx.conf'), 0o644);
  // root reads anything: run the loader as nobody there, as the user who meets this would be.
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !existsSync('/usr/sbin/nologin') && !existsSync('/bin/false')) t.skip('root without a nobody account: cannot test EACCES');
  const loader = fileURLToPath(new URL('../../src/nginx-conf/load.js', import.meta.url));
  const script = `import(${JSON.stringify(loader)}).then((m) => console.log(JSON.stringify(m.loadNginxConf(${JSON.stringify(join(dir, 'nginx.conf'))}))))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { file: string; line: number; message: string; fix: string } };
  assert.ok(!out.ok);
  assert.equal(out.error.line, 3);
  assert.equal(out.error.message, `open() "${join(dir, 'secret.conf')}" failed (13: Permission denied)`);
  assert.doesNotMatch(out.error.fix, /create/);
  assert.match(out.error.fix, /nginx -T \| droptrace audit --nginx-conf -/);
});

test('conf-check: a file that is not a config, named by an include, is never printed back in full', () => {
  const long = 'x'.repeat(20_000);
  const cases: Record<string, string> = {
    'cert.pem': `-----BEGIN CERTIFICATE-----\n${'MIIBszCCAVmgAwIBAgIU'.repeat(40)}\n-----END CERTIFICATE-----\n`,
    'access.log': `127.0.0.1 - - [05/Dec/2026:00:00:00 +0000] "GET /${long} HTTP/1.1" 200 5 "-" "curl/8" }\n`,
    'app.json': `{"msg": "${long}"}\n`,
    'blob.bin': `${long}\u0000\u0007\u001b[2J;`,
    'quote.txt': `say "${long}\n`,
  };
  for (const [name, text] of Object.entries(cases)) {
    const dir = writeTemp({ 'nginx.conf': conf(`include ${name};`), [name]: text });
    const r = loadNginxConf(join(dir, 'nginx.conf'));
    assert.ok(!r.ok, `${name} is accepted`);
    const said = `${r.error.message}\n${r.error.fix}`;
    assert.ok(said.length < 600, `${name}: the error is ${said.length} characters`);
    assert.doesNotMatch(said, /x{100}/, name);
    assert.doesNotMatch(said, /[\u0000-\u0008\u001b]/, `${name}: control characters reach the terminal`);
    assert.equal(r.error.file, join(dir, name), name);
  }
});

// Placements where nginx 1.22 (Debian's) refuses what later nginx takes, and the table (nginx 1.31) allows.
const NEWER_THAN_INSTALLED = new Set(['keepalive upstream 2', 'resolver upstream', 'resolver_timeout upstream']);

test('conf-check: the directives the audit reads are placed and counted as nginx -t places and counts them', { skip: noNginx }, () => {
  const names = [
    ...HTTP_DIRECTIVES.map((d) => d.name),
    ...UPSTREAM_DIRECTIVES.map((d) => d.name),
    ...['include', 'events', 'http', 'server', 'location', 'upstream', 'log_format', 'access_log', 'error_log', 'proxy_pass', 'proxy_set_header', 'map', 'listen', 'server_name', 'if', 'limit_except', 'types', 'return', 'deny', 'load_module'],
  ];
  const r = sweep([...new Set(names)]);
  const real = r.disagreements.filter((d) => !NEWER_THAN_INSTALLED.has(`${d.name} ${d.context} ${d.args}`) && !NEWER_THAN_INSTALLED.has(`${d.name} ${d.context}`));
  assert.ok(r.placements > 300, `${r.placements} placements compared`);
  assert.deepEqual(real, []);
});

test('conf-check: "ssl on", which nginx 1.22 still takes and later nginx refuses, is a note', () => {
  const r = loadNginxConf(join(writeTemp({ 'nginx.conf': conf('server { listen 443; ssl on; location / { proxy_pass http://127.0.0.1:8000; } }') }), 'nginx.conf'));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.match(r.value.notes.join('\n'), /^"ssl": no longer in current nginx \(newer versions refuse it; write "listen … ssl" instead of "ssl on"\)/);
});

test('conf-check: no value nginx takes is refused (a good and a bad value for every directive with a value check)', { skip: noNginx }, () => {
  const names = [...new Set(NGINX_DIRECTIVE_ROWS.filter((r) => r[4] !== 'removed').map((r) => r[0]))];
  const r = sweepValues(names);
  assert.ok(r.statements > 500, `${r.statements} statements compared`);
  // The other direction (bounds nginx checks and the table does not, such as limit_req_status 400-599) is a known gap, not a refusal.
  assert.deepEqual(r.disagreements.filter((d) => d.kind === 'refused'), []);
});

test('conf-check: a typo that happens to start like a third-party prefix is still a typo (set_real_ip_form)', () => {
  const typo = loadNginxConf(join(writeTemp({ 'nginx.conf': conf('set_real_ip_form 10.0.0.0/8;') }), 'nginx.conf'));
  assert.ok(!typo.ok);
  assert.match(typo.error.message, /unknown directive "set_real_ip_form" \(in http\): did you mean "set_real_ip_from"\?/);
  const module = loadNginxConf(join(writeTemp({ 'nginx.conf': conf('server { listen 8080; location / { set_escape_uri $e $arg_q; } }') }), 'nginx.conf'));
  assert.ok(module.ok, module.ok ? '' : module.error.message);
  assert.match(module.value.notes.join('\n'), /"set_escape_uri": from set-misc-nginx-module/);
});
