/**
 * Python logging formats and gunicorn access_log_formats compiled once: the layout each yields, and
 * the errors that name the field at fault and how to write it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePythonLogFormat, isFormatProblem, tokenizePythonFormat } from '../../../parsers/app/python-format.js';
import { compileGunicornAccessFormat, GUNICORN_DEFAULT_ACCESS_FORMAT } from '../../../parsers/gunicorn/access-format.js';

test('python format: the issue\'s stdlib layout compiles to fields time, level, pid, logger, msg', () => {
  const c = compilePythonLogFormat('%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s');
  assert.ok(!isFormatProblem(c));
  const g = c.layout.re.exec('2024-01-02 03:04:05,123 WARNING [42] app.requests: Slow request: 25.03s GET /slow')?.groups;
  assert.deepEqual({ ...g }, { time: '2024-01-02 03:04:05,123', level: 'WARNING', pid: '42', logger: 'app.requests', msg: 'Slow request: 25.03s GET /slow' });
  assert.deepEqual(c.attributes, ['asctime', 'levelname', 'process', 'name', 'message']);
});

test('python format: padding on either side, %% and unknown attributes up to the next literal', () => {
  const c = compilePythonLogFormat('%(levelname)8s|%(threadName)s|%(request_id)s 100%% %(message)s');
  assert.ok(!isFormatProblem(c));
  const g = c.layout.re.exec(' WARNING|MainThread|r-1 2 100% hello')?.groups;
  assert.equal(g?.['level'], 'WARNING');
  assert.equal(g?.['msg'], 'hello');
  assert.equal(c.layout.re.test(' WARNING|MainThread|r-1 hello'), false, 'the literal " 100% " must be there');
});

test('python format: errors name the place and the fix', () => {
  const noMessage = compilePythonLogFormat('%(asctime)s %(levelname)s');
  assert.ok(isFormatProblem(noMessage) && /no %\(message\)s/.test(noMessage.reason));
  const bad = tokenizePythonFormat('%(asctime) %(message)s');
  assert.ok(isFormatProblem(bad) && bad.at === 0 && /%\(name\)s/.test(bad.reason));
  const brace = compilePythonLogFormat('{asctime {message}', { style: '{' });
  assert.ok(isFormatProblem(brace) && /not a \{name\}/.test(brace.reason), JSON.stringify(brace));
});

test('gunicorn access format: the default compiles; unknown atoms and formats without status are refused with the atom list', () => {
  const d = compileGunicornAccessFormat(GUNICORN_DEFAULT_ACCESS_FORMAT);
  assert.ok(!isFormatProblem(d));
  assert.deepEqual(d.carries, []);
  assert.ok(d.regex.test('127.0.0.1 - - [05/Dec/2026:00:33:59 +0000] "GET /x HTTP/1.1" 200 3 "-" "curl/7.88.1"'));
  const timed = compileGunicornAccessFormat(GUNICORN_DEFAULT_ACCESS_FORMAT + ' %(D)s %({X-Request-ID}i)s %(p)s');
  assert.ok(!isFormatProblem(timed));
  assert.deepEqual(timed.carries, ['request time', 'request id', 'pid']);
  const unknown = compileGunicornAccessFormat('%(h)s %(Z)s %(s)s "%(r)s"');
  assert.ok(isFormatProblem(unknown) && /%\(Z\)s at character 7/.test(unknown.reason) && /\{header\}i/.test(unknown.reason));
  const noStatus = compileGunicornAccessFormat('%(h)s "%(r)s"');
  assert.ok(isFormatProblem(noStatus) && /%\(s\)s/.test(noStatus.reason));
});

test('gunicorn access format: a free field runs to the next literal (a quote inside the user agent is kept)', () => {
  const c = compileGunicornAccessFormat('%(h)s "%(a)s" %(s)s "%(r)s" %(D)s');
  assert.ok(!isFormatProblem(c));
  const g = c.regex.exec('10.0.0.1 "Mozilla/5.0 "x"y" 200 "GET /a HTTP/1.1" 1234')?.groups;
  assert.equal(g?.['status'], '200');
  assert.equal(g?.['micros'], '1234');
  // A 1 MB hostile line: the tempered free fields keep the match linear.
  const started = process.hrtime.bigint();
  c.regex.test('10.0.0.1 "' + 'a" '.repeat(300_000));
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 20, 'finishes');
});
