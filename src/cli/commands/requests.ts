/** `droptrace requests`, `droptrace trace`, `droptrace correlate`: reading and rebuilding verdicts. */
import { Command, Option } from 'commander';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { catchUpCorrelation, dbOption, waitFrom, withShards, withStore } from '../shared.js';
import { isShardDirectory } from '../../shard/shard-file.js';
import { findShardRequests, iterateShardRequests, type OpenShard } from '../../lookup/shards.js';
import { iterateRequests, flattenRequest, REQUEST_FLAG_FILTERS, type RequestRecord } from '../../lookup/requests.js';
import { findRequests, traceRequest, renderTrace, renderMatchList, TRACE_SHOWN } from '../../lookup/trace.js';
import { correlatePending, rebuildCorrelation } from '../../correlate/pending-correlation.js';
import { readTransaction } from '../../store/write-lock.js';
import { renderRows, csvField, type RowFormat } from '../../output/rows.js';
import { VERDICT_IDS, type Verdict } from '../../domain/verdicts.js';
import { parseTimeArg } from '../../domain/time-arg.js';
import { localZone } from '../../domain/time.js';

interface RequestsFlags {
  db: string; wait?: string; verdict?: Verdict; from?: string; to?: string; tz?: string; format: RowFormat;
  failed?: boolean; silent?: boolean; flag?: (typeof REQUEST_FLAG_FILTERS)[number];
}

export function registerRequestsCommands(program: Command, io: CliIO): void {
  dbOption(program.command('requests').description('one row per nginx request, with its verdict and evidence'))
    .addOption(new Option('--verdict <verdict>', 'only this verdict').choices([...VERDICT_IDS]))
    .option('--from <time>', 'requests that ended at or after this time (ISO-8601 or a log\'s own format)')
    .option('--to <time>', 'requests that ended before this time')
    .option('--tz <zone>', 'zone for --from/--to without an offset (default: this machine\'s)')
    .option('--failed', 'only failed requests (every verdict but ok)')
    .option('--silent', 'only requests flagged silent (failed, and the app logged no error)')
    .addOption(new Option('--flag <flag>', 'only requests with this flag (keepalive_race_possible: the keep-alive suspects the logs cannot confirm)').choices([...REQUEST_FLAG_FILTERS]))
    .addOption(new Option('--format <format>', 'output format; ndjson is the stable contract').choices(['table', 'ndjson', 'json', 'csv']).default('table'))
    .action(async (flags: RequestsFlags) => {
      const zone = flags.tz ?? localZone();
      const filter = {
        verdict: flags.verdict ?? null,
        fromMs: flags.from ? parseTimeArg(flags.from, zone, '--from') : null,
        toMs: flags.to ? parseTimeArg(flags.to, zone, '--to') : null,
        failed: flags.failed ?? false,
        silent: flags.silent ?? false,
        flag: flags.flag ?? null,
      };
      const emit = (records: () => Iterable<RequestRecord>) => {
        if (flags.format === 'ndjson') {
          for (const r of records()) io.stdout.write(JSON.stringify(r) + '\n');
        } else if (flags.format === 'csv') {
          let header = false;
          for (const r of records()) {
            const flat = flattenRequest(r);
            if (!header) { io.stdout.write(Object.keys(flat).join(',') + '\n'); header = true; }
            io.stdout.write(Object.values(flat).map(csvField).join(',') + '\n');
          }
        } else if (flags.format === 'json') {
          io.stdout.write(JSON.stringify([...records()], null, 2) + '\n');
        } else {
          io.stdout.write(renderRows([...records()].map(flattenRequest), 'table'));
        }
      };
      if (isShardDirectory(flags.db)) {
        await withShards(flags.db, io, waitFrom(flags, io), (shards) => emit(() => iterateShardRequests(shards, filter)));
        return;
      }
      await catchUpCorrelation(flags.db, io, waitFrom(flags, io));
      await withStore(flags.db, { readonly: true }, (db) => emit(() => iterateRequests(db, filter)));
    });

  dbOption(program.command('trace').description("one request's timeline across the layers, with file:line for each")
    .argument('<query>', 'a request id, a substring of the URI, or a row id'))
    .option('--json', 'print JSON')
    .option('--all', `trace every matching request (without it, several matches are listed and the first ${TRACE_SHOWN} traced)`)
    .action(async (query: string, flags: { db: string; json?: boolean; all?: boolean; wait?: string }) => {
      if (isShardDirectory(flags.db)) {
        await withShards(flags.db, io, waitFrom(flags, io), (shards) => traceShards(shards, query, flags, io));
        return;
      }
      await catchUpCorrelation(flags.db, io, waitFrom(flags, io));
      // one read transaction: a correlation committing meanwhile cannot mix old and new verdicts
      await withStore(flags.db, { readonly: true }, (db) => readTransaction(db, () => {
        const ids = findRequests(db, query);
        if (ids.length === 0) {
          io.stderr.write(`error: no request matches "${query}" (tried row id, request id, URI substring)\n`);
          io.setExitCode(EXIT.error);
          return;
        }
        const shown = flags.all ? ids : ids.slice(0, TRACE_SHOWN);
        const traces = shown.map((id) => traceRequest(db, id)!);
        if (flags.json) {
          io.stdout.write(JSON.stringify(traces, null, 2) + '\n');
        } else {
          // Several matches are listed first, every one of them: a trace of "the first" alone would be a guess.
          if (ids.length > 1) io.stdout.write(renderMatchList(db, ids, shown.length, query) + '\n');
          io.stdout.write(traces.map(renderTrace).join('\n'));
        }
        if (ids.length > shown.length) io.stderr.write(`(${ids.length} requests match "${query}"; traced the first ${shown.length}: --all traces every one, or narrow the query)\n`);
      }));
    });

  dbOption(program.command('correlate').description('correlate what was ingested since the last correlation (report, requests and trace do it on their own)'))
    .option('--rebuild', 'correlate every request again, not only the new time range')
    .action(async (flags: { db: string; rebuild?: boolean; wait?: string }) => {
      await withStore(flags.db, { mustExist: true, wait: waitFrom(flags, io) }, (db) => {
        const r = flags.rebuild ? rebuildCorrelation(db) : correlatePending(db);
        if (r === null) io.stdout.write('nothing to correlate: no rows ingested since the last correlation\n');
        else io.stdout.write(`${r.requests} requests correlated in ${r.ms} ms; app clock offset ${r.skew.skewMs} ms (${r.skew.method}, ${r.skew.samples} samples); ${r.stalled} stalled${r.revised > 0 ? `; ${r.revised} verdicts revised that a --since-last report had printed` : ''}\n`);
      });
    });
}

/** `trace --db DIR`: the matches of every shard (owned requests only), each listed and traced with its shard. */
function traceShards(shards: OpenShard[], query: string, flags: { json?: boolean; all?: boolean }, io: CliIO): void {
  const found = findShardRequests(shards, query);
  const total = found.reduce((n, f) => n + f.ids.length, 0);
  if (total === 0) {
    io.stderr.write(`error: no request matches "${query}" in ${shards.length} shard(s) (tried row id, request id, URI substring)\n`);
    io.setExitCode(EXIT.error);
    return;
  }
  let left = flags.all ? total : TRACE_SHOWN;
  const traced = found.map(({ shard, ids }) => {
    const shown = ids.slice(0, Math.max(0, left));
    left -= shown.length;
    return { shard, ids, traces: readTransaction(shard.db, () => shown.map((id) => traceRequest(shard.db, id)!)) };
  });
  if (flags.json) {
    io.stdout.write(JSON.stringify(traced.flatMap((t) => t.traces.map((tr) => ({ shard: t.shard.record.key, ...tr }))), null, 2) + '\n');
  } else {
    for (const t of traced) {
      if (total > 1) io.stdout.write(`shard ${t.shard.record.key}: ${renderMatchList(t.shard.db, t.ids, t.traces.length, query)}\n`);
      io.stdout.write(t.traces.map((tr) => `shard ${t.shard.record.key}\n${renderTrace(tr)}`).join('\n'));
    }
  }
  const shownN = traced.reduce((n, t) => n + t.traces.length, 0);
  if (total > shownN) io.stderr.write(`(${total} requests match "${query}" in the shards; traced the first ${shownN}: --all traces every one, or narrow the query)\n`);
}
