/**
 * `audit` as a deployment gate, end to end through the CLI on the repo's real configs
 * (test/fixtures/nginx-conf/site, its `nginx -T` dump, samples/*\/conf): every exit path of
 * --fail-on and --baseline, and that an include reorganisation is not a change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCliCaptured, tempDir } from '../helpers.js';
import { fixture } from './helpers.js';
import { closeStore, openStore } from '../../src/store/open.js';
import { compareChains } from '../../src/audit/baseline.js';
import type { ChainSnapshotRow } from '../../src/audit/snapshot.js';

const SITE = fixture('site/nginx.conf');
const DUMP = fixture('dump-nginx-T.txt');
const CMD = 'gunicorn -k uvicorn.workers.UvicornWorker -w 4 -b 0.0.0.0:8000 app:app';
const sample = (name: string, file: string): string => join(repoRoot(), 'samples', name, 'conf', file);

/** A copy of the site fixture to edit. */
function siteCopy(t: { after: (fn: () => void) => void }): string {
  const dir = tempDir(t);
  cpSync(fixture('site'), dir, { recursive: true });
  return dir;
}

const edit = (path: string, from: string, to: string): void => {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${path} has ${from}`);
  writeFileSync(path, text.replace(from, to));
};

test('fail-on error: exit 3 naming each error finding; fail-on info catches every finding', async () => {
  const r = await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--lb-idle-timeout', '70', '--fail-on', 'error']);
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, /^--fail-on error held: 3 findings at error: error lb-idle-above-nginx-keepalive \(server admin\.example\.test\), error lb-idle-above-nginx-keepalive \(server api\.example\.test\), error upstream-keepalive-outlives-app \(api\.example\.test \/\)$/m);
  assert.match(r.stdout, /Timeout chain/, 'the audit is still printed');
  const info = await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--fail-on', 'info', '--format', 'json']);
  assert.equal(info.exitCode, 3);
  const findings = (JSON.parse(info.stdout) as { findings: unknown[] }).findings.length;
  assert.match(info.stderr, new RegExp(`held: ${findings} findings at info or worse`));
});

test('fail-on a rule: exit 3 when it fires, 0 when it does not (the LB flag decides)', async () => {
  const fires = await runCliCaptured(['audit', '--nginx-conf', SITE, '--lb-idle-timeout', '30', '--fail-on', 'lb-idle-below-proxy-read']);
  assert.equal(fires.exitCode, 3);
  assert.match(fires.stderr, /--fail-on lb-idle-below-proxy-read held: lb-idle-below-proxy-read fired 4×: warn lb-idle-below-proxy-read \(admin\.example\.test \/\)/);
  const quiet = await runCliCaptured(['audit', '--nginx-conf', SITE, '--lb-idle-timeout', '600', '--fail-on', 'lb-idle-below-proxy-read']);
  assert.equal(quiet.exitCode, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});

test('fail-on on the recorded samples: the timing profile logs timing, the combined one does not', async () => {
  const args = (name: string): string[] => ['audit', '--nginx-conf', sample(name, 'nginx.conf'), '--cmd', sample(name, 'gunicorn.cmd'), '--fail-on', 'access-log-missing-timing,error-log-level-hides-aborts'];
  const timing = await runCliCaptured(args('timing'));
  assert.equal(timing.exitCode, 0, timing.stderr);
  const combined = await runCliCaptured(args('combined'));
  assert.equal(combined.exitCode, 3);
  assert.match(combined.stderr, /--fail-on access-log-missing-timing held/);
  assert.match(combined.stderr, /--fail-on error-log-level-hides-aborts held/);
});

test('fail-on an unknown name is a usage error listing the valid ones, before any work', async () => {
  const r = await runCliCaptured(['audit', '--nginx-conf', SITE, '--fail-on', 'warning']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--fail-on "warning": not a severity or an audit rule; use one of error, warn, info, lb-idle-above-nginx-keepalive, .*error-log-level-hides-aborts/);
  assert.equal(r.stdout, '');
});

test('baseline: the same chain passes, also read back from an `nginx -T` dump whose sources name other files', async (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'chain.json');
  const w = await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--write-baseline', base]);
  assert.equal(w.exitCode, 0, w.stderr);
  assert.match(w.stderr, /wrote the chain to .*chain\.json/);
  const same = await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--baseline', base]);
  assert.equal(same.exitCode, 0, same.stderr);
  const dumped = await runCliCaptured(['audit', '--nginx-conf', '-', '--cmd', CMD, '--baseline', base, '--format', 'json'], { stdin: readFileSync(DUMP) });
  assert.equal(dumped.exitCode, 0, dumped.stderr);
  assert.match(dumped.stdout, /"source": "\/etc\/nginx\/snippets\/proxy\.conf:8"/, 'the dump cites other paths than the baseline');
});

test('baseline: a pure reorganisation of includes is not a change', async (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'chain.json');
  await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--lb-idle-timeout', '60', '--write-baseline', base]);
  const site = siteCopy(t);
  // the snippet inlined into the location, its include gone; 45s written as 45
  const snippet = readFileSync(join(site, 'snippets/proxy.conf'), 'utf8').replace('proxy_read_timeout 45s;', 'proxy_read_timeout 45;');
  edit(join(site, 'conf.d/api.conf'), 'include snippets/proxy.conf;', snippet);
  writeFileSync(join(site, 'snippets/proxy.conf'), '# moved into conf.d/api.conf\n');
  // an http-level clock moved from nginx.conf into its own include (same level: conf.d/*.conf is included in http)
  edit(join(site, 'nginx.conf'), 'proxy_read_timeout 30s;', '');
  writeFileSync(join(site, 'conf.d/00-timeouts.conf'), 'proxy_read_timeout 30s;\n');
  // 65 written as 1m5s
  edit(join(site, 'nginx.conf'), 'keepalive_timeout  65;', 'keepalive_timeout 1m5s;');
  const r = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--cmd', CMD, '--lb-idle-timeout', '60', '--baseline', base, '--format', 'json']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /"value": "45",\s+"value_s": 45,\s+"source": "[^"]*conf\.d\/api\.conf:\d+"/, 'the value now comes from api.conf');
  assert.match(r.stdout, /"source": "[^"]*conf\.d\/00-timeouts\.conf:1"/);
});

test('baseline: an HAProxy timeout moved into its defaults section is no change; a new value is', async (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'chain.json');
  const cfg = join(repoRoot(), 'test/fixtures/haproxy/haproxy.cfg');
  const w = await runCliCaptured(['audit', '--nginx-conf', SITE, '--haproxy-conf', cfg, '--write-baseline', base]);
  assert.equal(w.exitCode, 0, w.stderr);
  const text = readFileSync(cfg, 'utf8');
  const moved = join(dir, 'moved.cfg');
  // backend be inherits "defaults base": its 8000 ms written there as 8s is the same clock
  writeFileSync(moved, text.replace('    timeout server 8000\n', '').replace('    timeout server 30s\n', '    timeout server 8s\n'));
  const same = await runCliCaptured(['audit', '--nginx-conf', SITE, '--haproxy-conf', moved, '--baseline', base]);
  assert.equal(same.exitCode, 0, same.stderr);
  assert.match(same.stdout, /LB\s+idle timeout\s+timeout server 8s \(backend be\)\s+\S*moved\.cfg:12/, 'the value now comes from the defaults section');
  const changed = join(dir, 'changed.cfg');
  writeFileSync(changed, text.replace('timeout server 8000', 'timeout server 9000'));
  const r = await runCliCaptured(['audit', '--nginx-conf', SITE, '--haproxy-conf', changed, '--baseline', base]);
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, /^ {2}lb idle timeout in api\.example\.test \/: timeout server 8000 \(backend be\) \(\S*haproxy\.cfg:21\) → timeout server 9000 \(backend be\) \(\S*changed\.cfg:21\)$/m);
});

test('baseline: a changed clock exits 3 naming layer, location, setting, old and new value and where each is set', async (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'chain.json');
  await runCliCaptured(['audit', '--nginx-conf', SITE, '--cmd', CMD, '--write-baseline', base]);
  const site = siteCopy(t);
  // a template update that drops the snippet's read timeout: the http-level 30s applies again
  edit(join(site, 'snippets/proxy.conf'), 'proxy_read_timeout 45s;\n', '');
  edit(join(site, 'conf.d/upstreams.conf'), 'keepalive_timeout 120s;', 'keepalive_timeout 1s;');
  const r = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--cmd', CMD, '--baseline', base]);
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, /--baseline .*chain\.json: 3 changes in the timeout chain/);
  assert.match(r.stderr, /^ {2}nginx proxy_read_timeout in api\.example\.test \/: 45s \(\S*test\/fixtures\/nginx-conf\/site\/snippets\/proxy\.conf:8\) → 30s \(\S*\/nginx\.conf:30\)$/m);
  assert.match(r.stderr, /^ {2}nginx upstream app keepalive_timeout in api\.example\.test \/: 120s \(\S*site\/conf\.d\/upstreams\.conf:5\) → 1s \(\S*\/conf\.d\/upstreams\.conf:5\)$/m);
  assert.match(r.stderr, /^ {2}nginx upstream app keepalive_timeout in api\.example\.test \/ws\/: 120s/m, 'the upstream is shared by two locations');
  // a gate and a rule together: both are named
  const both = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--cmd', CMD, '--baseline', base, '--fail-on', 'upstream-keepalive-outlives-app']);
  assert.equal(both.exitCode, 3);
  assert.match(both.stderr, /--baseline .*: 3 changes/);
  assert.doesNotMatch(both.stderr, /--fail-on upstream-keepalive-outlives-app held/, 'a 1s upstream keepalive no longer outlives gunicorn 2s');
});

test('baseline db:latest: a change fails and is not saved; the deployed chain saved without a gate becomes the next baseline', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'chain.db');
  const first = await runCliCaptured(['audit', '--nginx-conf', SITE, '--db', db]);
  assert.equal(first.exitCode, 0, first.stderr);
  assert.match(first.stderr, /saved chain snapshot #1/);
  const site = siteCopy(t);
  edit(join(site, 'conf.d/admin.conf'), 'proxy_read_timeout 1m30s;', 'proxy_read_timeout 2m;');
  const changed = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--db', db, '--baseline', 'db:latest']);
  assert.equal(changed.exitCode, 3);
  assert.match(changed.stderr, /--baseline snapshot #1 of .*chain\.db \(\d{4}-\d\d-\d\dT[^,]+, nginx: .*\): 1 change in the timeout chain/);
  assert.match(changed.stderr, /nginx proxy_read_timeout in admin\.example\.test \/: 1m30s \(\S*admin\.conf:15\) → 2m \(\S*admin\.conf:15\)/);
  assert.match(changed.stderr, /chain snapshot not saved to .*: the gate failed/);
  const again = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--db', db, '--baseline', 'db:latest']);
  assert.equal(again.exitCode, 3, 'a re-run of the failed gate fails again');
  const accept = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--db', db]);
  assert.match(accept.stderr, /saved chain snapshot #2/);
  const passes = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--db', db, '--baseline', 'db:latest']);
  assert.equal(passes.exitCode, 0, passes.stderr);
  const old = await runCliCaptured(['audit', '--nginx-conf', join(site, 'nginx.conf'), '--db', db, '--baseline', 'db:1']);
  assert.equal(old.exitCode, 3, 'db:1 is the first snapshot');
});

test('baseline that cannot be used: missing or foreign file exits 1 with the fix; db: without --db or a bad ref exits 2', async (t) => {
  const dir = tempDir(t);
  const missing = await runCliCaptured(['audit', '--nginx-conf', SITE, '--baseline', join(dir, 'nope.json')]);
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /--baseline .*nope\.json: cannot read it \(ENOENT\)\n {2}fix: save the deployed chain first: droptrace audit … --write-baseline/);
  assert.equal(missing.stdout, '', 'no audit printed for a gate that cannot run');
  writeFileSync(join(dir, 'report.json'), '{"totals": {}}');
  const foreign = await runCliCaptured(['audit', '--nginx-conf', SITE, '--baseline', join(dir, 'report.json')]);
  assert.equal(foreign.exitCode, 1);
  assert.match(foreign.stderr, /no "chain" array: not the `--format json` output of droptrace audit/);
  const noDb = await runCliCaptured(['audit', '--nginx-conf', SITE, '--baseline', 'db:latest']);
  assert.equal(noDb.exitCode, 2);
  assert.match(noDb.stderr, /reads a snapshot from --db: give --db FILE/);
  const badRef = await runCliCaptured(['audit', '--nginx-conf', SITE, '--db', join(dir, 'x.db'), '--baseline', 'db:newest']);
  assert.equal(badRef.exitCode, 2);
  const empty = join(dir, 'empty.db');
  closeStore(openStore(empty));
  const none = await runCliCaptured(['audit', '--nginx-conf', SITE, '--db', empty, '--baseline', 'db:latest']);
  assert.equal(none.exitCode, 1);
  assert.match(none.stderr, /has no chain snapshot\n {2}fix: save one with/);
});

test('write-baseline never overwrites an input', async () => {
  const r = await runCliCaptured(['audit', '--nginx-conf', SITE, '--write-baseline', SITE]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /would overwrite --nginx-conf/);
  assert.match(readFileSync(SITE, 'utf8'), /^# Main config/);
});

test('compareChains: a location added or removed is one change, not one per clock', () => {
  const row = (location: string, setting: string, value: string): ChainSnapshotRow => ({ layer: 'nginx', server: 's', location, setting, value_s: null, value, source: 'f:1' });
  const old = [row('/', 'proxy_read_timeout', '60s'), row('/', 'send_timeout', '60s'), row('/gone', 'proxy_read_timeout', '5s'), row('/gone', 'send_timeout', '5s')];
  const cur = [row('/', 'proxy_read_timeout', '1m'), row('/', 'send_timeout', '60s'), row('/new', 'proxy_read_timeout', '5s'), row('/new', 'send_timeout', '5s')];
  assert.deepEqual(
    compareChains(old, cur).map((c) => `${c.kind} ${c.location} ${c.setting}`),
    ['location-removed /gone ', 'location-added /new '],
  );
});
