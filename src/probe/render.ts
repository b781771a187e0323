/** ProbeResult → text for people, or the one JSON object scripts read (`--json`). */
import type { ProbeResult } from './probe.js';
import { describeExpectation } from './expect.js';

/** What each failure kind usually means, for the text report. */
const FAILURE_MEANING: Readonly<Record<string, string>> = {
  http_504: 'a gateway timed out waiting for the app (nginx proxy_read_timeout, or the LB)',
  http_502: 'the upstream connection broke (a worker killed, e.g. gunicorn WORKER TIMEOUT, or a keep-alive race)',
  http_503: 'no upstream available, or a rate/concurrency limit',
  reset: 'the connection was closed with no complete response',
  refused: 'nothing listening',
  client_timeout: "the probe's own --client-timeout fired first (its phase says whether the connection, the headers or the body were still awaited)",
};

export function renderProbeJson(r: ProbeResult): string {
  const { drop_s, last_ok_s, first_fail_s, failure, requests, matches, stopped, url, precision_s, attempts, expectations } = r;
  return JSON.stringify({ drop_s, last_ok_s, first_fail_s, failure, requests, matches, stopped, url, precision_s, attempts, expectations }) + '\n';
}

export function renderProbeText(r: ProbeResult): string {
  const out: string[] = [];
  const fmt = (s: number | null): string => (s === null ? '-' : `${s}s`);
  switch (r.stopped) {
    case 'gate':
      for (const e of r.expectations) out.push(describeExpectation(e));
      break;
    case 'found':
      out.push(`The response disappears at ~${fmt(r.drop_s)}: ${r.failure ?? '?'} (last success at ${fmt(r.last_ok_s)}, first failure at ${fmt(r.first_fail_s)}, precision ${r.precision_s}s).`);
      break;
    case 'no-drop':
      out.push(`No drop: every wait up to ${fmt(r.last_ok_s)} succeeded.`);
      break;
    case 'fails-at-start':
      out.push(`Even the shortest wait failed (${r.failure ?? '?'} at ${fmt(r.first_fail_s)}): check the URL and that the route waits for {s} seconds.`);
      break;
    case 'max-requests':
    case 'interrupted':
      out.push(`${r.stopped === 'interrupted' ? 'Interrupted' : `Stopped at --max-requests ${r.requests}`}: last success at ${fmt(r.last_ok_s)}, first failure at ${fmt(r.first_fail_s)}${r.drop_s !== null ? ` (drop ~${fmt(r.drop_s)}, ${r.failure ?? '?'})` : ''}.`);
      break;
  }
  const meaning = r.failure ? FAILURE_MEANING[r.failure] : undefined;
  if (meaning) out.push(`  ${r.failure}: ${meaning}.`);
  if (r.matches.length > 0) {
    out.push('', 'Matching clocks (nearest first):');
    for (const m of r.matches) out.push(`  ${m.layer} ${m.setting} = ${m.value_s}s  (${m.source})`);
  } else if (r.drop_s !== null && r.stopped !== 'gate') out.push('', 'No configured clock within precision+1s of the drop (give --nginx-conf / --cmd / --lb-idle-timeout to compare).');
  out.push('', `${r.requests} request(s):`);
  for (const a of r.attempts) {
    const capped = a.body_capped ? ` (body not read past ${a.body_bytes ?? '?'} bytes: --max-body)` : '';
    out.push(`  wait ${a.s}s → ${a.ok ? `${a.status ?? ''} ok` : `${a.failure ?? ''}${a.detail ? ` (${a.detail})` : ''}`} after ${a.elapsed_s}s${capped}`);
  }
  return out.join('\n') + '\n';
}
