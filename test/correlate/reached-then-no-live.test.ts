/**
 * A 502 whose attempts reached servers before nginx ran out of them. Lines from a live recording of the
 * json profile (npm run test:stack -- --profile json, scenario keepalive_race, 2026-12-05): the GET
 * probe t0111 was sent just as uvicorn closed both idle upstream connections nginx reused; each attempt
 * failed at once ("upstream prematurely closed", $upstream_connect_time 0.000: a connection it had),
 * then every server had been tried and nginx logged "no live upstreams" for the group "app". The app
 * never saw it. The truth says upstream_error: a keep-alive race, not an upstream nobody could reach.
 * Beside it, the POST t0112 lost the same race on one server (nginx does not retry a POST), and the
 * wave's other requests were answered (their app records must stay theirs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestsOfLogs } from '../helpers.js';

const ACCESS = [
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.015","request":"GET /api/items/2?dt=t0111 HTTP/1.1","status":"502","body_bytes_sent":"157","request_time":"0.000","upstream_addr":"127.0.0.1:41921, 127.0.0.1:39451, app","upstream_status":"502, 502, 502","upstream_connect_time":"0.000, 0.000, -","upstream_header_time":"-, -, -","upstream_response_time":"0.000, 0.000, 0.000","request_id":"85a330e498f24cbf7656a6fc3400d5f5","connection":"20","connection_requests":"3","method":"GET","uri":"/api/items/2?dt=t0111","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.015","request":"POST /api/items?dt=t0112 HTTP/1.1","status":"502","body_bytes_sent":"157","request_time":"0.000","upstream_addr":"127.0.0.1:39451","upstream_status":"502","upstream_connect_time":"0.000","upstream_header_time":"-","upstream_response_time":"0.000","request_id":"53bf42ea91fec9d8c4b9ff1e60ac3545","connection":"27","connection_requests":"3","method":"POST","uri":"/api/items?dt=t0112","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.016","request":"POST /api/items?dt=t0110 HTTP/1.1","status":"201","body_bytes_sent":"27","request_time":"0.003","upstream_addr":"127.0.0.1:39451","upstream_status":"201","upstream_connect_time":"0.000","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"0244001a8d96f0eb6a2d2c461656e1e9","connection":"30","connection_requests":"3","method":"POST","uri":"/api/items?dt=t0110","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.018","request":"GET /api/items/6?dt=t0115 HTTP/1.1","status":"200","body_bytes_sent":"24","request_time":"0.003","upstream_addr":"127.0.0.1:41921","upstream_status":"200","upstream_connect_time":"0.001","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"e2925f90e86ecbcfb2ecd6922e81e7d4","connection":"25","connection_requests":"3","method":"GET","uri":"/api/items/6?dt=t0115","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.018","request":"POST /api/items?dt=t0113 HTTP/1.1","status":"201","body_bytes_sent":"27","request_time":"0.003","upstream_addr":"127.0.0.1:41921","upstream_status":"201","upstream_connect_time":"0.001","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"c1afb9af45913ad42415f0c884817366","connection":"34","connection_requests":"3","method":"POST","uri":"/api/items?dt=t0113","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.018","request":"POST /api/items?dt=t0117 HTTP/1.1","status":"201","body_bytes_sent":"27","request_time":"0.003","upstream_addr":"127.0.0.1:41921","upstream_status":"201","upstream_connect_time":"0.001","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"32271b6fe7396dcd95dabe81a5cb701f","connection":"12","connection_requests":"4","method":"POST","uri":"/api/items?dt=t0117","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.019","request":"POST /api/items?dt=t0114 HTTP/1.1","status":"201","body_bytes_sent":"27","request_time":"0.004","upstream_addr":"127.0.0.1:39451","upstream_status":"201","upstream_connect_time":"0.001","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"007b2792d8acd70e54efb9579824fe75","connection":"23","connection_requests":"3","method":"POST","uri":"/api/items?dt=t0114","user_agent":"droptrace-harness/keepalive_race"}',
  '{"time":"2026-12-05T13:59:18+05:30","remote_addr":"127.0.0.1","msec":"1796459358.019","request":"POST /api/items?dt=t0116 HTTP/1.1","status":"201","body_bytes_sent":"27","request_time":"0.004","upstream_addr":"127.0.0.1:39451","upstream_status":"201","upstream_connect_time":"0.001","upstream_header_time":"0.003","upstream_response_time":"0.003","request_id":"1ec47ce3a240857757dd24cc434fcc55","connection":"21","connection_requests":"3","method":"POST","uri":"/api/items?dt=t0116","user_agent":"droptrace-harness/keepalive_race"}',
];
const ERROR = [
  '2026/12/05 13:59:18 [error] 969#969: *20 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /api/items/2?dt=t0111 HTTP/1.1", upstream: "http://127.0.0.1:41921/api/items/2?dt=t0111", host: "127.0.0.1:37619"',
  '2026/12/05 13:59:18 [error] 969#969: *20 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /api/items/2?dt=t0111 HTTP/1.1", upstream: "http://127.0.0.1:39451/api/items/2?dt=t0111", host: "127.0.0.1:37619"',
  '2026/12/05 13:59:18 [error] 969#969: *20 no live upstreams while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET /api/items/2?dt=t0111 HTTP/1.1", upstream: "http://app/api/items/2?dt=t0111", host: "127.0.0.1:37619"',
  '2026/12/05 13:59:18 [error] 969#969: *27 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "POST /api/items?dt=t0112 HTTP/1.1", upstream: "http://127.0.0.1:39451/api/items?dt=t0112", host: "127.0.0.1:37619"',
];
const APP = [
  '{"ts":"2026-12-05T13:59:18.016+05:30","level":"info","request_id":"0244001a8d96f0eb6a2d2c461656e1e9","method":"POST","path":"/api/items","status":201,"elapsed_ms":1.1,"pid":967}',
  '{"ts":"2026-12-05T13:59:18.018+05:30","level":"info","request_id":"e2925f90e86ecbcfb2ecd6922e81e7d4","method":"GET","path":"/api/items/6","status":200,"elapsed_ms":0.9,"pid":966}',
  '{"ts":"2026-12-05T13:59:18.018+05:30","level":"info","request_id":"c1afb9af45913ad42415f0c884817366","method":"POST","path":"/api/items","status":201,"elapsed_ms":1.3,"pid":966}',
  '{"ts":"2026-12-05T13:59:18.018+05:30","level":"info","request_id":"32271b6fe7396dcd95dabe81a5cb701f","method":"POST","path":"/api/items","status":201,"elapsed_ms":1.2,"pid":966}',
  '{"ts":"2026-12-05T13:59:18.018+05:30","level":"info","request_id":"007b2792d8acd70e54efb9579824fe75","method":"POST","path":"/api/items","status":201,"elapsed_ms":0.7,"pid":966}',
  '{"ts":"2026-12-05T13:59:18.018+05:30","level":"info","request_id":"1ec47ce3a240857757dd24cc434fcc55","method":"POST","path":"/api/items","status":201,"elapsed_ms":0.7,"pid":966}',
];

/** The same requests as nginx's predefined `combined` format writes them: no $upstream_addr, so no attempts. */
const COMBINED = ACCESS.map((line) => {
  const r = JSON.parse(line) as Record<string, string>;
  return `${r.remote_addr} - - [05/Dec/2026:13:59:18 +0530] "${r.request}" ${r.status} ${r.body_bytes_sent} "-" "${r.user_agent}"`;
});

interface Req {
  uri: string; verdict: string; explanation: string; keepalive_race: boolean; retried: boolean;
  evidence: { verdict: { level: string } };
  attempts: { addr: string | null; outcome: string }[] | null;
  app: unknown;
}

// the recording's TZ: nginx's error log carries no offset
const requestsOf = (t: { after: (fn: () => void) => void }, access: string[]): Promise<Req[]> =>
  requestsOfLogs<Req>(t, { 'access.log': access, 'error.log': ERROR, 'app.ndjson': APP }, ['--tz', 'Asia/Kolkata']);

const byTag = (reqs: Req[], tag: string): Req => {
  const r = reqs.find((x) => x.uri.endsWith(tag));
  assert.ok(r, `no request ${tag}`);
  return r;
};

test('attempts that reached a server, then "no live upstreams": labelled by the failure that reached it (upstream_error, keep-alive race), not upstream_unavailable', async (t) => {
  const reqs = await requestsOf(t, ACCESS);
  const r = byTag(reqs, 't0111');
  assert.equal(r.verdict, 'upstream_error');
  assert.equal(r.keepalive_race, true);
  assert.equal(r.retried, true);
  assert.match(r.explanation, /reused keep-alive connection/);
  assert.match(r.explanation, /no live upstream left/);
  assert.equal(r.evidence.verdict.level, 'exact');
  assert.deepEqual(r.attempts?.map((a) => a.addr), ['127.0.0.1:41921', '127.0.0.1:39451', 'app']);
  assert.equal(r.app, null);
  // the POST that lost the same race on one server, and the answered neighbours, keep their verdicts
  assert.deepEqual([byTag(reqs, 't0112').verdict, byTag(reqs, 't0112').keepalive_race], ['upstream_error', true]);
  for (const tag of ['t0110', 't0113', 't0114', 't0115', 't0116', 't0117']) assert.equal(byTag(reqs, tag).verdict, 'ok', tag);
});

test('the same lines without $upstream_addr keep upstream_unavailable, inferred and saying what cannot be told', async (t) => {
  const r = byTag(await requestsOf(t, COMBINED), 't0111');
  assert.equal(r.verdict, 'upstream_unavailable');
  assert.equal(r.attempts, null);
  assert.equal(r.evidence.verdict.level, 'inferred');
  assert.match(r.explanation, /no \$upstream_addr/);
});
