/** unwrapLine (one line, no file around it): each wrapper by name, with the inner line and time it must yield, and what it must leave alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrapLine, type WrapperKind } from '../../parsers/wrapper.js';

const INNER = '[2024-03-04 05:06:07 +0000] [7] [INFO] Booting worker with pid: 8';
const CASES: readonly { name: string; line: string; wrapper: WrapperKind; inner: string; time?: string }[] = [
  { name: 'docker_t_rfc3339_nanos', line: `2024-03-04T05:06:07.123456789Z ${INNER}`, wrapper: 'docker-timestamps', inner: INNER, time: '2024-03-04T05:06:07.123Z' },
  { name: 'rfc3339_with_offset', line: `2024-03-04T07:06:07+02:00 ${INNER}`, wrapper: 'docker-timestamps', inner: INNER, time: '2024-03-04T05:06:07.000Z' },
  { name: 'cri_stderr_full', line: `2024-03-04T05:06:07.5Z stderr F ${INNER}`, wrapper: 'cri', inner: INNER, time: '2024-03-04T05:06:07.500Z' },
  { name: 'heroku_app_dyno', line: `2024-03-04T05:06:07.000001+00:00 app[web.1]: ${INNER}`, wrapper: 'heroku', inner: INNER, time: '2024-03-04T05:06:07.000Z' },
  { name: 'journald_unit_pid', line: `Mar 04 05:06:07 host-1 gunicorn[700]: ${INNER}`, wrapper: 'journald-short', inner: INNER },
  { name: 'syslog_beanstalk_tag', line: `Mar  4 05:06:07 ip-127-0-0-1 web: ${INNER}`, wrapper: 'journald-short', inner: INNER },
  { name: 'compose_service', line: `api-1  | ${INNER}`, wrapper: 'compose', inner: INNER },
  { name: 'compose_v1_underscore', line: `api_1      | ${INNER}`, wrapper: 'compose', inner: INNER },
  { name: 'honcho_process', line: `05:06:07 web.1  | ${INNER}`, wrapper: 'honcho', inner: INNER },
  { name: 'honcho_after_ctrl_c_echo', line: '^C05:06:07 system | SIGINT received', wrapper: 'honcho', inner: 'SIGINT received' },
  { name: 'gcp_severity_letter', line: `E  ${INNER}`, wrapper: 'gcp-console', inner: INNER },
  { name: 'docker_desktop_before_indented_line', line: '2024-03-04 05:06:07   |     raise ValueError()', wrapper: 'docker-desktop', inner: '  |     raise ValueError()' },
];

for (const c of CASES) {
  test(`unwrapLine: ${c.name}`, () => {
    const u = unwrapLine(c.line);
    assert.equal(u.wrapper, c.wrapper);
    assert.equal(u.inner, c.inner);
    assert.equal(u.wrapperTime === null ? undefined : new Date(u.wrapperTime).toISOString(), c.time);
  });
}

const UNTOUCHED: readonly [string, string][] = [
  ['gunicorn_line', INNER],
  ['gunicorn_0x_zoneless', '2010-06-05 23:27:07 [16800] [INFO] Arbiter booted'],
  ['python_asctime_not_docker_desktop', '2024-03-04 05:06:07,123 WARNING app: Slow request: 1.00s GET /x'],
  ['python_asctime_without_ms', '2024-03-04 05:06:07 WARNING app: hi'],
  ['uvicorn_level_colon', 'INFO:     Started server process [42]'],
  ['english_capital_i', 'I  think this is fine'],
  ['traceback_line', 'Traceback (most recent call last):'],
];
for (const [name, line] of UNTOUCHED) {
  test(`unwrapLine leaves alone: ${name}`, () => {
    assert.deepEqual(unwrapLine(line), { inner: line, wrapper: 'none', wrapperTime: null });
  });
}
