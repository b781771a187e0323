/**
 * Conformance against ../shared/corpora/nginx-error. Source names are mapped per file; fields left
 * out say why. droptrace's `message` is the text WITHOUT the client/server/request tail (as VRL);
 * Elastic keeps the tail inside message, so for Elastic rows the test compares message + tail.
 */
import assert from 'node:assert/strict';
import { completeNginxErrorRecord, createNginxErrorParser } from '../../../parsers/nginx-error/parse.js';
import type { NginxErrorRecord } from '../../../parsers/nginx-error/record.js';
import { unwrapLine } from '../../../parsers/wrapper.js';
import { corpusTest, readCorpus } from '../corpora.js';

type Getter = (r: NginxErrorRecord) => unknown;
type Mapping = Readonly<Record<string, readonly [Getter, ((v: unknown) => unknown)?] | string>>;

const iso = (r: NginxErrorRecord): string | null => (r.time === null ? null : new Date(r.time).toISOString());
const toIso = (v: unknown): string => new Date(String(v)).toISOString();
/** Elastic's message: droptrace's message with the tail nginx wrote after it. */
function withTail(r: NginxErrorRecord): string {
  let s = r.message;
  if (r.client === null) return s;
  s += `, client: ${r.client}, server: ${r.server ?? ''}`;
  if (r.request !== null) s += `, request: "${r.request}"`;
  if (r.upstream !== null) s += `, upstream: "${r.upstream}"`;
  if (r.host !== null) s += `, host: "${r.host}"`;
  if (r.referrer !== null) s += `, referrer: "${r.referrer}"`;
  return s;
}

const VRL: Mapping = {
  timestamp: [iso, toIso], severity: [(r) => r.level], pid: [(r) => r.pid], tid: [(r) => r.tid],
  // VRL's older test prints the cid with digit separators ("38_068_741").
  cid: [(r) => r.cid, (v) => Number(String(v).replace(/_/g, ''))],
  message: [(r) => r.message, String],
  client: [(r) => r.client], server: [(r) => r.server], request: [(r) => r.request],
  upstream: [(r) => r.upstream], host: [(r) => r.host], referer: [(r) => r.referrer],
  excess: 'limit_req detail: droptrace keeps it inside message (no column for it)',
  zone: 'limit_req detail: droptrace keeps it inside message (no column for it)',
};

const ECS: Mapping = {
  '@timestamp': [iso, toIso],
  'event.timezone': 'the zone is the --tz option (the test passes the one Elastic pinned)',
  'log.level': [(r) => r.level], 'log.flags': 'Elastic marks joined lines; droptrace returns continuations (checked separately)',
  message: [withTail], 'nginx.error.connection_id': [(r) => r.cid], 'process.pid': [(r) => r.pid],
  'process.thread.id': [(r) => r.tid], 'client.ip': [(r) => r.client], 'http.request.method': [(r) => r.method],
  'http.request.referrer': [(r) => r.referrer], 'http.version': [(r) => /HTTP\/(\S+)$/.exec(r.request ?? '')?.[1] ?? null],
  // Elastic cuts "service[.]domain[.]com" at the first "[": its own quirk; droptrace keeps the text.
  'server.domain': [(r) => r.server], 'url.path': [(r) => r.path],
};

const REPORTS: Mapping = {
  prefix: 'the wrapper (docker compose service) is stripped, not stored by the parser',
  level: [(r) => r.level], pid: [(r) => r.pid], tid: [(r) => r.tid], cid: [(r) => r.cid],
  // The corpus names droptrace's header_too_big "upstream_header_too_big".
  kind: [(r) => r.kind, (v) => (v === 'upstream_header_too_big' ? 'header_too_big' : v)],
  client: [(r) => r.client], server: [(r) => r.server], request: [(r) => r.request],
  upstream: [(r) => r.upstream], host: [(r) => r.host], referrer: [(r) => r.referrer],
  note: 'a comment, not a field',
};

interface FileSpec {
  readonly tz: string;
  readonly mapping: Mapping;
  /** Source fields whose value droptrace states differently, by line substring: [droptrace's value, why]. */
  readonly overrides?: Readonly<Record<string, Readonly<Record<string, readonly [unknown, string]>>>>;
}

/** VRL splits limit_req's excess and zone out of the message; droptrace keeps the whole text. */
const VRL_OVERRIDES: FileSpec['overrides'] = {
  'limiting requests, excess: 50.416 by zone': {
    message: ['limiting requests, excess: 50.416 by zone "api_access_token"', 'droptrace keeps the limit_req detail in message'],
  },
  'delaying requests, excess: 50.416, by zone': {
    message: ['delaying requests, excess: 50.416, by zone "api_access_token"', 'droptrace keeps the limit_req detail in message'],
  },
};

const FILES: Readonly<Record<string, FileSpec>> = {
  'vrl.ndjson': { tz: 'UTC', mapping: VRL, overrides: VRL_OVERRIDES },
  'vrl-stdlib.ndjson': { tz: 'UTC', mapping: VRL, overrides: VRL_OVERRIDES },
  'elastic-beats.ndjson': { tz: 'UTC', mapping: ECS },
  // Elastic's test pins the shipper's zone to -02:00.
  'elastic-beats-ecs.ndjson': { tz: 'Etc/GMT+2', mapping: ECS },
  'elastic-integrations.ndjson': {
    tz: 'UTC',
    mapping: ECS,
    overrides: {
      'server: service[.]domain[.]com': {
        'server.domain': ['service[.]domain[.]com', 'Elastic cuts the redacted name at "["; droptrace keeps what nginx wrote'],
        'url.path': ['/api/', 'Elastic keeps the query in url.path; droptrace\'s path stops at "?"'],
      },
    },
  },
  'nginx-org-docs.ndjson': { tz: 'UTC', mapping: {} },
  'public-reports.ndjson': { tz: 'UTC', mapping: REPORTS },
};

for (const [file, spec] of Object.entries(FILES)) {
  corpusTest(`corpus nginx-error/${file}`, (t, dir) => {
    const rows = readCorpus(`${dir}/nginx-error/${file}`);
    const stats = { rows: rows.length, records: 0, continuations: 0, rejects: 0, withExpected: 0, matchedExpected: 0, expectErrorRejected: 0, overridden: 0 };
    const failures: string[] = [];
    for (const row of rows) {
      const parse = createNginxErrorParser({ tz: spec.tz });
      // A `multiline` row is one record written over several physical lines: the first starts the
      // record, the rest are continuations, and the record is completed as ingest would complete it.
      // A wrapped row (journald, logread, compose): the delivery wrapper comes off first, as the ingest
      // takes it off, and must leave exactly the line the corpus states.
      let line = row.line;
      if (row.wrapper !== undefined) {
        line = unwrapLine(row.line).inner;
        if (row.inner_line !== undefined && line !== row.inner_line) failures.push(`wrapper left ${JSON.stringify(line.slice(0, 60))}, the corpus says ${JSON.stringify(row.inner_line.slice(0, 60))}`);
      }
      const physical = line.split('\n');
      let result = parse(physical[0]!);
      for (const more of physical.slice(1)) {
        const c = parse(more);
        if (c.kind !== 'continuation') failures.push(`multiline row: line 2+ should continue the record: ${more.slice(0, 80)}`);
      }
      if (result.kind === 'record' && physical.length > 1) {
        result = { ...result, record: completeNginxErrorRecord(result.record, physical.slice(1)) };
      }
      if (result.kind === 'record') stats.records++;
      else if (result.kind === 'continuation') stats.continuations++;
      else if (result.kind === 'reject') {
        stats.rejects++;
        assert.ok(result.reason.length > 0);
      }
      if (row.expect_error) {
        if (result.kind === 'reject') stats.expectErrorRejected++;
        else failures.push(`expected a reject, got ${result.kind}: ${row.line.slice(0, 90)}`);
        continue;
      }
      if (row.continuation) {
        if (result.kind !== 'continuation') failures.push(`expected a continuation, got ${result.kind}: ${row.line.slice(0, 90)}`);
        continue;
      }
      if (result.kind !== 'record') {
        failures.push(`did not parse: ${row.line.slice(0, 100)} — ${result.kind === 'reject' ? result.reason : result.kind}`);
        continue;
      }
      if (row.expected === undefined) continue;
      stats.withExpected++;
      let ok = true;
      for (const [key, value] of Object.entries(row.expected)) {
        const m = spec.mapping[key];
        assert.ok(m !== undefined, `${file}: source field "${key}" has no mapping (map it or say why not)`);
        if (typeof m === 'string') continue;
        const [get, conv] = m;
        const override = Object.entries(spec.overrides ?? {}).find(([k]) => row.line.includes(k))?.[1]?.[key];
        if (override !== undefined) stats.overridden++;
        const want = override !== undefined ? override[0] : conv ? conv(value) : value;
        const got = get(result.record);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          ok = false;
          failures.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)} in ${row.line.slice(0, 90)}`);
        }
      }
      if (ok) stats.matchedExpected++;
    }
    t.diagnostic(`${file}: ${JSON.stringify(stats)}`);
    assert.deepEqual(failures, []);
  });
}
