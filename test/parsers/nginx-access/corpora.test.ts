/**
 * Conformance against ../shared/corpora/nginx-access: other projects' test lines with the fields they
 * state, under their own names. Each source file has a name mapping below; a source field left out
 * says why. Where droptrace deliberately differs, the test asserts droptrace's form and says why.
 * Nothing here is skipped silently: every row is counted, every exception is listed by line.
 */
import assert from 'node:assert/strict';
import { createNginxAccessParser, createNginxJsonAccessParser } from '../../../parsers/nginx-access/parse.js';
import { PRESETS } from '../../../parsers/nginx-access/presets.js';
import type { NginxAccessRecord } from '../../../parsers/nginx-access/record.js';
import type { ParseResult } from '../../../parsers/result.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { corpusTest, readCorpus, type CorpusRow } from '../corpora.js';

type Getter = (r: NginxAccessRecord) => unknown;
/** line substring → source field → [droptrace's value, why droptrace differs from the source]. */
type Overrides = Readonly<Record<string, Readonly<Record<string, readonly [unknown, string]>>>>;

/** source field → [droptrace getter, conversion of the source's value] or the reason it is not compared. */
type Mapping = Readonly<Record<string, readonly [Getter, ((v: unknown) => unknown)?] | string>>;

const iso = (r: NginxAccessRecord): string | null => (r.time === null ? null : new Date(r.time).toISOString());
const toIso = (v: unknown): string => new Date(String(v).endsWith('Z') || /[+-]\d\d:\d\d$/.test(String(v)) ? String(v) : `${String(v)}Z`).toISOString();
const num = (v: unknown): number | null => (v === null || v === '-' || v === '' ? null : Number(v));
/** droptrace reads "-" as null for every field (VRL, grok and angle-grinder keep the dash). */
const dash = (v: unknown): unknown => (v === '-' ? null : v);
const ms = (v: unknown): number | null => (v === '-' || v === null ? null : Math.round(Number(v) * 1000));
const lastAttempt = (r: NginxAccessRecord) => (r.attempts && r.attempts.length > 0 ? r.attempts[r.attempts.length - 1]! : null);
const sumResponse = (r: NginxAccessRecord): number | null =>
  r.attempts === null ? null : r.attempts.reduce((s, a) => s + (a.responseTime ?? 0), 0);
const httpVersion = (r: NginxAccessRecord): string | null => r.protocol?.replace(/^HTTP\//, '') ?? null;
const extra = (k: string): Getter => (r) => r.extra[k] ?? null;

const VRL: Mapping = {
  client: [(r) => r.remoteAddr], remote_addr: [(r) => r.remoteAddr], host: [(r) => r.remoteAddr],
  timestamp: [iso, toIso],
  // VRL's test writes the bot request as a Rust raw string r"…": the quotes are VRL's, not the line's.
  request: [(r) => r.request, (v) => String(v).replace(/^r"(.*)"$/s, '$1')],
  message: [(r) => r.request],
  status: [(r) => r.status], size: [(r) => r.bodyBytesSent], body_bytes_size: [(r) => r.bodyBytesSent],
  referer: [(r) => r.referer, dash], http_referer: [(r) => r.referer, dash], referrer: [(r) => r.referer, dash],
  agent: [(r) => r.userAgent, dash], http_user_agent: [(r) => r.userAgent, dash],
  user: [(r) => r.remoteUser, dash], remote_user: [(r) => r.remoteUser, dash],
  identity: [extra('ident')],
  method: [(r) => r.method], path: [(r) => r.path], protocol: [(r) => r.protocol],
  compression: [extra('gzip_ratio')],
  request_length: [(r) => r.requestLength], request_time: [(r) => r.requestTime, ms],
  proxy_upstream_name: [extra('proxy_upstream_name')], proxy_alternative_upstream_name: [extra('proxy_alternative_upstream_name')],
  // VRL states "-" for no upstream; droptrace says attempts: [] (no upstream used).
  upstream_addr: [(r) => (r.attempts?.length === 0 ? '-' : lastAttempt(r)?.addr ?? null)],
  upstream_response_length: [extra('upstream_response_length'), String],
  upstream_response_time: [(r) => lastAttempt(r)?.responseTime ?? null, ms],
  upstream_status: [(r) => lastAttempt(r)?.status ?? null],
  req_id: [(r) => r.requestId], http_x_forwarded_for: [(r) => r.forwardedFor, dash],
};

const ECS: Mapping = {
  '@timestamp': [iso, toIso],
  'http.request.method': [(r) => r.method], 'http.response.body.bytes': [(r) => r.bodyBytesSent],
  'http.response.status_code': [(r) => r.status], 'http.version': [httpVersion],
  'source.address': [(r) => r.remoteAddr],
  'source.ip': 'same as source.address (Elastic re-parses it as an IP)',
  'nginx.access.remote_ip_list': "Elastic's enrichment: droptrace keeps remoteAddr (the peer nginx saw) and forwardedFor (the list)",
  'nginx.ingress_controller.remote_ip_list': "Elastic's enrichment (see nginx.access.remote_ip_list)",
  'url.original': [(r) => r.uri], 'url.path': [(r) => r.path], 'url.query': [(r) => r.query],
  'url.extension': 'derived by Elastic from url.path', 'url.domain': 'derived by Elastic from the vhost (see destination.domain)',
  'destination.domain': [(r) => r.host], 'destination.ip': 'derived by Elastic from the vhost', 'destination.port': 'derived by Elastic from the vhost',
  'user_agent.original': [(r) => r.userAgent], 'http.request.referrer': [(r) => r.referer],
  'nginx.ingress_controller.http.request.id': [(r) => r.requestId],
  'nginx.ingress_controller.http.request.length': [(r) => r.requestLength],
  'nginx.ingress_controller.http.request.time': [(r) => r.requestTime, ms],
  'nginx.ingress_controller.upstream.name': [extra('proxy_upstream_name')],
  'nginx.ingress_controller.upstream.alternative_name': [extra('proxy_alternative_upstream_name')],
  // Elastic states upstream.* = the LAST attempt; droptrace keeps every attempt, so compare the last one.
  'nginx.ingress_controller.upstream.ip': [(r) => lastAttempt(r)?.addr?.replace(/^\[?(.*?)\]?:\d+$/, '$1') ?? null],
  'nginx.ingress_controller.upstream.port': [(r) => Number(lastAttempt(r)?.addr?.replace(/^.*:/, '') ?? NaN)],
  'nginx.ingress_controller.upstream.response.status_code': [(r) => lastAttempt(r)?.status ?? null],
  'nginx.ingress_controller.upstream.response.length': [(r) => Number(r.extra['upstream_response_length']?.split(', ').pop())],
  // Elastic states response.time = the SUM over attempts (0.100 + 0.004 → 0.104).
  'nginx.ingress_controller.upstream.response.time': [sumResponse, ms],
  'nginx.ingress_controller.upstream.response.length_list': [(r) => r.extra['upstream_response_length']?.split(', ') ?? null],
  'nginx.ingress_controller.upstream.response.status_code_list': [(r) => r.attempts?.map((a) => (a.status === null ? '-' : String(a.status))) ?? null],
  'nginx.ingress_controller.upstream.response.time_list': [(r) => r.attempts?.map((a) => a.responseTime) ?? null, (v) => (v as string[]).map(ms)],
  'nginx.ingress_controller.upstream_address_list': [(r) => r.attempts?.map((a) => a.addr ?? '-') ?? null],
};

const BEATS_SEED: Mapping = {
  time_local: [(r) => r.timeText], request: [(r) => r.request], status: [(r) => r.status], body_bytes_sent: [(r) => r.bodyBytesSent],
};

const LNAV: Mapping = {
  log_level: "lnav's own level derived from the status (droptrace stores the status)",
  log_time: [iso, toIso], timestamp: [(r) => r.timeText],
  c_ip: [(r) => r.remoteAddr], cs_username: [(r) => r.remoteUser], cs_method: [(r) => r.method],
  cs_uri_stem: [(r) => r.path], cs_uri_query: [(r) => r.query], cs_version: [(r) => r.protocol],
  sc_status: [(r) => r.status], sc_bytes: [(r) => r.bodyBytesSent], cs_referer: [(r) => r.referer],
  cs_user_agent: [(r) => r.userAgent],
};

/** grok keeps the quotes of referrer/agent; droptrace stores the value. */
const unquote = (v: unknown): unknown => dash(String(v).replace(/^"(.*)"$/s, '$1'));
const GROK: Mapping = {
  clientip: [(r) => r.remoteAddr], ident: 'always "-" in nginx formats (a literal, not a variable)',
  auth: [(r) => r.remoteUser, dash], verb: [(r) => r.method], request: [(r) => r.uri],
  httpversion: [httpVersion], response: [(r) => r.status, num], bytes: [(r) => r.bodyBytesSent, num],
  referrer: [(r) => r.referer, unquote], agent: [(r) => r.userAgent, unquote],
  _absent: [(r) => (r.status === null ? ['response'] : []), (v) => v],
};

const AGRIND: Mapping = {
  addr: [(r) => r.remoteAddr], remote_addr: [(r) => r.remoteAddr], user: [(r) => r.remoteUser, dash],
  remote_user: [(r) => r.remoteUser, dash], timestamp: [(r) => r.timeText], method: [(r) => r.method],
  url: [(r) => r.uri], protocol: [(r) => r.protocol], status: [(r) => r.status, num],
  bytes_sent: [(r) => r.bodyBytesSent, num], body_bytes_sent: [(r) => r.bodyBytesSent, num],
  http_referer: [(r) => r.referer, dash], http_user_agent: [(r) => r.userAgent, dash],
  gzip_ratio: "agrind's name for the main format's last field, which is $http_x_forwarded_for (droptrace: forwardedFor)",
  request_length: [(r) => r.requestLength, num],
  request_time: 'agrind prints it rounded for display (0.247 → "0.25")',
  upstream_response_time: 'agrind prints it rounded for display',
  proxy_upstream_name: [extra('proxy_upstream_name')], proxy_alternative_upstream_name: [extra('proxy_alternative_upstream_name')],
  req_id: [(r) => r.requestId], upstream_addr: [(r) => lastAttempt(r)?.addr ?? null],
  upstream_response_length: [extra('upstream_response_length')], upstream_status: [(r) => lastAttempt(r)?.status ?? null, num],
};

const COMBINED_GZIP = `${PRESETS.combined} "$gzip_ratio"`;
/** A combined-like format with another head, and the same with main's trailing "$http_x_forwarded_for". */
const HEAD = (prefix: string): string[] => {
  const f = prefix + PRESETS.combined.slice('$remote_addr'.length);
  return [f, `${f} "$http_x_forwarded_for"`];
};
/**
 * Elastic's grok accepts an X-Forwarded-For list or a vhost before the address, and an optional trailing
 * XFF field; droptrace compiles one log_format per file, so each row is tried against the concrete
 * formats that grok stands for, in this order (a user would configure the one their nginx writes).
 */
const ELASTIC_VARIANTS = [
  'combined', 'main', ...HEAD('$proxy_add_x_forwarded_for'), ...HEAD('"$http_x_forwarded_for" $remote_addr'),
  ...HEAD('$http_x_forwarded_for $remote_addr'),
];
const HOST_VARIANTS = [
  ...HEAD('$host $remote_addr'), ...HEAD('$host $proxy_add_x_forwarded_for'), ...HEAD('$host "$http_x_forwarded_for" $remote_addr'),
  ...HEAD('$host $http_x_forwarded_for $remote_addr'),
];
/**
 * Elastic picks source.address from the X-Forwarded-For list (its first public address); droptrace's
 * remoteAddr is the peer nginx saw — the last address of $proxy_add_x_forwarded_for, or $remote_addr
 * after a logged XFF header — and the list goes to forwardedFor.
 */
const XFF_PEER = 'droptrace: remoteAddr is the peer nginx saw; the list is forwardedFor (Elastic picks its first public address)';
const ELASTIC_OVERRIDES: Overrides = {
  '10.0.0.2, 10.0.0.1, 127.0.0.1 - -': { 'source.address': ['127.0.0.1', XFF_PEER] },
  '10.0.0.2, 10.0.0.1, 81.2.69.143 - -': { 'source.address': ['81.2.69.143', XFF_PEER] },
  '"10.5.102.222, 175.16.199.1, 204.246.1.1" 10.2.1.185': { 'source.address': ['10.2.1.185', XFF_PEER] },
  '2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121': { 'source.address': ['10.2.2.121', XFF_PEER] },
  '2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6, 10.225.192.17 10.2.2.121': { 'source.address': ['10.2.2.121', XFF_PEER] },
};
const APACHE_COMMON = '$remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent';

interface FileSpec {
  readonly mapping: Mapping;
  /** Formats to try for a row, in order; the first that yields a record is the row's format. */
  readonly formats: (row: CorpusRow) => readonly string[];
  /** Rows (by a substring of the line) where droptrace deliberately rejects although the source parses, or the reverse. */
  readonly differs?: Readonly<Record<string, string>>;
  /** Fields where droptrace deliberately states something else: asserted in droptrace's form. */
  readonly overrides?: Overrides;
  /** Rows without expectations that droptrace does not parse, by a substring of the line, with the reason. */
  readonly unparsed?: Readonly<Record<string, string>>;
}

function stated(row: CorpusRow): string[] {
  const f = row.format ?? '';
  const quoted = /'([^']*\$[^']*)'/.exec(f)?.[1];
  if (quoted) return [quoted];
  const afterColon = /^ingress-nginx upstreaminfo: (\$.*)$/.exec(f)?.[1];
  if (afterColon) return [afterColon];
  if (f === 'json') return ['json'];
  if (f.startsWith('main')) return ['main'];
  if (f.startsWith('common with ISO')) return ['$remote_addr $ident $remote_user [$time_iso8601] "$request" $status $body_bytes_sent'];
  if (f.startsWith('common (Apache') || f.startsWith('common (CLF')) return [APACHE_COMMON, 'common'];
  if (f.startsWith('common')) return ['common'];
  if (f.includes('upstreaminfo')) return ['upstreaminfo'];
  if (f.startsWith('combined (Apache')) return [`${APACHE_COMMON} "$http_referer" "$http_user_agent"`, 'combined'];
  if (f.startsWith('combined (optionally')) return ELASTIC_VARIANTS;
  if (f.startsWith('custom:"$host[:$server_port] "')) return HOST_VARIANTS;
  if (f.startsWith('combined + trailing')) return [`${PRESETS.combined} $request_time`];
  if (f.startsWith('combined')) return ['combined', COMBINED_GZIP, `${APACHE_COMMON} "$http_referer" "$http_user_agent"`];
  return ['main', 'combined', 'upstreaminfo', 'common'];
}

const FILES: Readonly<Record<string, FileSpec>> = {
  'vrl.ndjson': { mapping: VRL, formats: stated },
  'vrl-stdlib.ndjson': {
    mapping: VRL,
    formats: stated,
    differs: {
      '- - - - - - -': 'VRL yields {} for an all-"-" CLF line; droptrace rejects it: no [$time_local], nothing to place in time',
      '- - - [-] "-" - -': 'VRL yields {}; droptrace rejects: "[-]" is not a time',
      '- - - [2000-10-10T20:55:36Z] "-" - -': 'VRL reads an ISO time in CLF brackets with the common format; droptrace needs the $time_iso8601 format for that',
      '84170 - -': 'Apache writes bare "-" for empty referer/agent; nginx quotes them — not an nginx line',
    },
  },
  'elastic-beats.ndjson': { mapping: BEATS_SEED, formats: stated },
  'elastic-beats-ecs.ndjson': {
    mapping: ECS, overrides: ELASTIC_OVERRIDES,
    formats: (row) => (row.format?.startsWith('combined') ? ELASTIC_VARIANTS : stated(row)),
  },
  'elastic-integrations.ndjson': {
    mapping: ECS, overrides: ELASTIC_OVERRIDES,
    formats: (row) => (row.format === 'combined' ? [...ELASTIC_VARIANTS, ...HOST_VARIANTS] : stated(row)),
    differs: {
      '"to: 216.160.83.56:8000:"': 'a proxy line with an extra quoted field and an unterminated last quote: no nginx format writes it',
    },
  },
  'lnav.ndjson': {
    mapping: LNAV,
    formats: (row) => {
      const f = row.format ?? '';
      if (f.includes('W3C-like') || f.includes('werkzeug')) return [];
      if (f.includes('double spaces')) return ['$remote_addr -  $remote_user  [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"  $request_length'];
      if (f.includes('(vhost)')) return HEAD('$host $remote_addr');
      if (f.includes('Jira-style')) return ['$host:$server_port $remote_addr $ident $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'];
      if (f.includes('NASA')) return ['common'];
      return stated(row);
    },
    differs: {
      '2013-02-11T06:43:36 10.112.72.172 - GET "/client/"': 'not nginx: a W3C-like time-first layout (lnav sample)',
      '2013-02-11T06:43:36 10.112.72.172 - GET /client/': 'not nginx: a W3C-like time-first layout (lnav sample)',
    },
    unparsed: {
      '[29/Aug/2023 22:02:58]': 'not nginx: Python http.server/werkzeug layout (no offset, no referrer/agent)',
    },
  },
  'lnav-shop-access-log.ndjson': { mapping: {}, formats: () => ['main'] },
  'logstash-patterns-core.ndjson': {
    mapping: GROK,
    formats: stated,
    differs: {
      '/Safari\\/537\\.36$/': 'the source asserts only that its COMMON prefix pattern yields clientip from a line whose last quote is missing; droptrace\'s combined format rejects the unterminated quote',
    },
  },
  'angle-grinder.ndjson': { mapping: AGRIND, formats: stated },
  'public-reports.ndjson': {
    mapping: {},
    formats: (row) => {
      const f = row.format ?? '';
      if (f.includes('<request id> <uuid>')) return [`${PRESETS.combined} $remote_user $request_time x_forwarded_for=$http_x_forwarded_for host=$host $request_id $uuid`];
      if (f.startsWith("custom:main + ' $request_time")) return [`${PRESETS.main} $request_time "$upstream_cache_status"`];
      return stated(row);
    },
  },
};

/** Try the row's formats in order; the first that yields a record wins, else the first format's reject. */
function parseRow(row: CorpusRow, formats: readonly string[]): { result: ParseResult<NginxAccessRecord>; format: string } {
  let first: { result: ParseResult<NginxAccessRecord>; format: string } | null = null;
  for (const format of formats) {
    const parse = format === 'json' ? createNginxJsonAccessParser({ tz: 'UTC' }) : createNginxAccessParser({ tz: 'UTC', format });
    // One line without its file: a delivery wrapper the corpus names comes off first, as the ingest takes it off.
    const result = parse(row.wrapper !== undefined ? unwrapLine(row.line).inner : row.line);
    if (result.kind === 'record') return { result, format };
    first ??= { result, format };
  }
  return first ?? { result: { kind: 'reject', reason: 'no format to try (not an nginx line)' }, format: '' };
}

/** A key is a substring of the line, or a /regex/. */
const keyMatches = (line: string, key: string): boolean =>
  key.length > 2 && key.startsWith('/') && key.endsWith('/') ? new RegExp(key.slice(1, -1)).test(line) : line.includes(key);
const matchesAny = (line: string, table: Readonly<Record<string, string>> | undefined): string | undefined =>
  table === undefined ? undefined : Object.entries(table).find(([k]) => keyMatches(line, k))?.[1];

for (const [file, spec] of Object.entries(FILES)) {
  corpusTest(`corpus nginx-access/${file}`, (t, dir) => {
    const rows = readCorpus(`${dir}/nginx-access/${file}`);
    const stats = { rows: rows.length, parsed: 0, withExpected: 0, matchedExpected: 0, rejects: 0, expectErrorRejected: 0, differs: 0, overridden: 0 };
    const failures: string[] = [];
    for (const row of rows) {
      const { result, format } = parseRow(row, spec.formats(row));
      if (result.kind === 'record') stats.parsed++;
      else if (result.kind === 'reject') {
        stats.rejects++;
        assert.ok(result.reason.length > 0, 'reject without a reason');
      }
      const differs = matchesAny(row.line, spec.differs);
      if (row.expect_error) {
        if (result.kind === 'reject') stats.expectErrorRejected++;
        else failures.push(`expected a reject: ${row.line.slice(0, 100)}`);
        continue;
      }
      if (differs !== undefined) {
        stats.differs++;
        assert.equal(result.kind, 'reject', `listed as a deliberate reject but parsed: ${row.line.slice(0, 80)}`);
        continue;
      }
      if (row.expected === undefined) {
        const why = matchesAny(row.line, spec.unparsed);
        if (result.kind !== 'record' && why === undefined) {
          failures.push(`did not parse (${format}): ${row.line.slice(0, 100)} — ${result.kind === 'reject' ? result.reason : result.kind}`);
        }
        if (result.kind === 'record' && why !== undefined) failures.push(`listed as unparsed but parsed: ${row.line.slice(0, 80)}`);
        continue;
      }
      stats.withExpected++;
      if (result.kind !== 'record') {
        failures.push(`did not parse (${format}): ${row.line.slice(0, 100)} — ${result.kind === 'reject' ? result.reason : result.kind}`);
        continue;
      }
      let ok = true;
      for (const [key, value] of Object.entries(row.expected)) {
        const m = spec.mapping[key];
        assert.ok(m !== undefined, `${file}: source field "${key}" has no mapping (map it or say why not)`);
        if (typeof m === 'string') continue;
        const [get, conv] = m;
        const override = Object.entries(spec.overrides ?? {}).find(([k]) => row.line.includes(k))?.[1]?.[key];
        const want = override !== undefined ? override[0] : conv ? conv(value) : value;
        if (override !== undefined) stats.overridden++;
        const got = get(result.record);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          ok = false;
          failures.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)} (${format}) in ${row.line.slice(0, 90)}`);
        }
      }
      if (ok) stats.matchedExpected++;
    }
    t.diagnostic(`${file}: ${JSON.stringify(stats)}`);
    assert.deepEqual(failures, []);
  });
}
