/**
 * An incident as an ALB in front of the timing-format nginx logs it, built line by line from the
 * documented formats (deterministic, no clock read): answered requests, clients that gave up at
 * 30 s (ALB 460, nginx 499), the ALB's 60 s idle timeout firing before nginx's proxy_read_timeout
 * (ALB 504 with target_processing_time -1, nginx 499), and requests nginx never logged: 502s on a
 * keep-alive connection nginx had just closed, and a 503 with no healthy target. The truth for
 * each request is returned beside the logs.
 */
const BASE = Date.UTC(2026, 11, 1, 10, 0, 0);
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067';
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
const local = (ms: number) => { const d = new Date(ms); return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`; };
const isoUs = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

export interface IncidentRequest {
  readonly tag: string;
  readonly verdict: string;
  readonly nginxLogged: boolean;
}

export interface AlbIncident {
  readonly accessLog: string[];
  readonly albLog: string[];
  readonly truth: IncidentRequest[];
}

/** nginx's `timing` log_format (samples/timing/conf/nginx.conf). */
export const TIMING_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status" rid=$request_id cn=$connection cr=$connection_requests msec=$msec';

export function buildAlbIncident(): AlbIncident {
  const access: { t: number; line: string }[] = [];
  const alb: { t: number; line: string }[] = [];
  const truth: IncidentRequest[] = [];
  let n = 0;
  const add = (o: {
    at: number; method: string; path: string; kind: 'ok' | 'client_gave_up' | 'idle_timeout' | 'race' | 'no_target'; durMs: number;
  }) => {
    n++;
    const tag = `t${String(n).padStart(4, '0')}`;
    const uri = `${o.path}?dt=${tag}`;
    const client = `203.0.113.${(n % 200) + 1}:${40000 + n}`;
    const start = BASE + o.at;
    const end = start + o.durMs;
    const trace = `Root=1-${hex(Math.floor(start / 1000), 8)}-${hex(n * 7919, 24)}`;
    const conn = 5 + (n % 3);
    const rid = hex(n * 104729, 32);
    const ngx = (status: number, rt: number, us: string, urt: string) =>
      `10.0.1.${10 + (n % 2)} - - [${local(end)}] "${o.method} ${uri} HTTP/1.1" ${status} ${status === 200 ? 26 : 0} "-" "python-requests/2.31" rt=${rt.toFixed(3)} uct="0.000" uht="${us === '200' ? urt : '-'}" urt="${urt}" ua="127.0.0.1:8000" us="${us}" rid=${rid} cn=${conn} cr=${n} msec=${(end / 1000).toFixed(3)}`;
    const albLine = (status: string, target: string, tpt: string, rpt: string, tstatus: string, sent: number) =>
      `http ${isoUs(end)} app/shop/50dc6c495c0c9188 ${client} ${target} 0.000 ${tpt} ${rpt} ${status} ${tstatus} 180 ${sent} "${o.method} http://shop.example.com:80${uri} HTTP/1.1" "python-requests/2.31" - - ${ARN} "${trace}" "-" "-" 1 ${isoUs(start)} "forward" "-" "-" "${target === '-' ? '-' : target}" "${tstatus}" "-" "-" TID_${hex(n, 32)}`;
    const s = o.durMs / 1000;
    switch (o.kind) {
      case 'ok':
        access.push({ t: end, line: ngx(200, s, '200', s.toFixed(3)) });
        alb.push({ t: end, line: albLine('200', '10.0.1.15:80', s.toFixed(3), '0.000', '200', 366) });
        truth.push({ tag, verdict: 'ok', nginxLogged: true });
        return;
      case 'client_gave_up':
        access.push({ t: end, line: ngx(499, s, '-', s.toFixed(3)) });
        alb.push({ t: end, line: albLine('460', '10.0.1.15:80', '-1', '-1', '-', 0) });
        truth.push({ tag, verdict: 'client_abort', nginxLogged: true });
        return;
      case 'idle_timeout':
        access.push({ t: end, line: ngx(499, s, '-', s.toFixed(3)) });
        alb.push({ t: end, line: albLine('504', '10.0.1.15:80', '-1', '-1', '-', 202) });
        truth.push({ tag, verdict: 'lb_timeout', nginxLogged: true });
        return;
      case 'race':
        alb.push({ t: end, line: albLine('502', '10.0.1.15:80', '-1', '-1', '-', 277) });
        truth.push({ tag, verdict: 'lb_upstream_error', nginxLogged: false });
        return;
      case 'no_target':
        alb.push({ t: end, line: albLine('503', '-', '-1', '-1', '-', 326) });
        truth.push({ tag, verdict: 'lb_unavailable', nginxLogged: false });
        return;
    }
  };
  for (let i = 0; i < 30; i++) add({ at: i * 4_000, method: 'GET', path: `/api/items/${i % 7}`, kind: 'ok', durMs: 40 + (i % 5) * 13 });
  for (let i = 0; i < 3; i++) add({ at: 10_000 + i * 20_000, method: 'POST', path: '/api/orders', kind: 'client_gave_up', durMs: 30_000 + i * 7 });
  for (let i = 0; i < 4; i++) add({ at: 15_000 + i * 17_000, method: 'GET', path: '/api/report', kind: 'idle_timeout', durMs: 60_000 + i * 3 });
  for (let i = 0; i < 3; i++) add({ at: 31_500 + i * 9_000, method: 'GET', path: `/api/items/${i}`, kind: 'race', durMs: 1 });
  add({ at: 119_000, method: 'GET', path: '/', kind: 'no_target', durMs: 0 });
  const byTime = (a: { t: number }, b: { t: number }) => a.t - b.t;
  return { accessLog: access.sort(byTime).map((x) => x.line), albLog: alb.sort(byTime).map((x) => x.line), truth };
}
