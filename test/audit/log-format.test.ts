import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findLogFormat, lookupLogFormat } from '../../src/nginx-conf/log-format.js';
import { NginxConfError } from '../../src/nginx-conf/conf-error.js';
import { PRESETS } from '../../parsers/nginx-access/presets.js';
import { conf, fixture, writeTemp } from './helpers.js';

test('findLogFormat: multi-string formats are concatenated without separators', () => {
  const f = findLogFormat(fixture('site/nginx.conf'), 'timed');
  assert.equal(f.escape, 'default');
  assert.ok(f.format.startsWith('$remote_addr - $remote_user [$time_local] "$request" $status'));
  assert.ok(f.format.includes('"$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht='));
  assert.ok(f.format.endsWith('rid=$request_id'));
  assert.match(f.source, /site\/nginx\.conf:15$/);
});

test('findLogFormat: escape=json is reported', () => {
  const f = findLogFormat(fixture('site/nginx.conf'), 'json_timed');
  assert.equal(f.escape, 'json');
  assert.ok(f.format.startsWith('{"time":"$time_iso8601"'));
});

test('findLogFormat: combined is built in', () => {
  const f = findLogFormat(fixture('minimal/nginx.conf'), 'combined');
  assert.match(f.source, /built-in/);
  assert.deepEqual([f.format, f.escape], [PRESETS.combined, 'default']);
});

test('findLogFormat: a format defined in an included file is found', () => {
  const dir = writeTemp({ 'nginx.conf': conf('include formats.conf;'), 'formats.conf': "log_format mine '$msec $status';\n" });
  assert.equal(findLogFormat(join(dir, 'nginx.conf'), 'mine').format, '$msec $status');
});

test('findLogFormat: a missing name throws NginxConfError listing the formats that exist with file:line', () => {
  assert.throws(
    () => findLogFormat(fixture('site/nginx.conf'), 'nope'),
    (e: unknown) => e instanceof NginxConfError && /log_format "nope" is not defined/.test(e.message) && /"timed" \(.*nginx\.conf:15\)/.test(e.message) && /fix:/.test(e.message),
  );
});

test('lookupLogFormat: a broken config comes back as a value naming file:line', () => {
  const r = lookupLogFormat(fixture('broken/stray-close.conf'), 'x');
  assert.ok(!r.ok);
  assert.equal(r.error.line, 8);
});
