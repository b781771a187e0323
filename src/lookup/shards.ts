/**
 * `requests`, `trace` and `query` over a directory of shard databases (--db DIR): every shard read,
 * each for what it owns only (the requests that ended in its window, the rows timed in it), so a
 * request in two shards' overlap is printed once. Shards are iterated one connection each and merged
 * in end order, not ATTACHed: SQLite attaches 10 databases by default (125 at most) and a fleet's
 * night has more shards than that.
 */
import type { Db } from '../store/open.js';
import type { ShardRecord } from '../shard/shard-file.js';
import { ownedRange } from '../shard/window.js';
import { iterateRequestRows, toRecord, type RequestFilter, type RequestRecord, type RequestRow } from './requests.js';
import { findRequests } from './trace.js';
import { runQuery, type QueryResult } from './query.js';
import { SELECT_REQUEST_END, ownedViews } from '../store/sql/shard.js';

export interface OpenShard {
  readonly record: ShardRecord;
  readonly db: Db;
}

/** A request record from a shard directory: the contract's fields, and the shard it came from. */
export type ShardRequestRecord = RequestRecord & { readonly shard: string };

function ownedFilter(s: OpenShard, f: RequestFilter): RequestFilter {
  const own = ownedRange(s.record.window);
  return { ...f, fromMs: Math.max(f.fromMs ?? own.from, own.from), toMs: Math.min(f.toMs ?? own.to, own.to) };
}

/**
 * Every shard's owned requests in the order one database prints them (end time, then the shards'
 * order, then row id): a k-way merge over a binary heap of the shards' heads, one row each in memory.
 */
export function* iterateShardRequests(shards: readonly OpenShard[], f: RequestFilter = {}): Generator<ShardRequestRecord> {
  interface Head { readonly row: RequestRow; readonly shard: number; readonly rest: IterableIterator<RequestRow> }
  const before = (a: Head, b: Head) => a.row.end_ms < b.row.end_ms || (a.row.end_ms === b.row.end_ms && (a.shard < b.shard || (a.shard === b.shard && a.row.id < b.row.id)));
  const heap: Head[] = [];
  const push = (h: Head) => {
    heap.push(h);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): Head => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const next = (shard: number, rest: IterableIterator<RequestRow>) => {
    const n = rest.next();
    if (!n.done) push({ row: n.value, shard, rest });
  };
  shards.forEach((s, i) => next(i, iterateRequestRows(s.db, ownedFilter(s, f))));
  while (heap.length > 0) {
    const h = pop();
    yield { ...toRecord(h.row), shard: shards[h.shard]!.record.key };
    next(h.shard, h.rest);
  }
}

/** The requests a query matches in each shard (row id, request id, URI substring), owned ones only. */
export function findShardRequests(shards: readonly OpenShard[], query: string): { shard: OpenShard; ids: number[] }[] {
  const out: { shard: OpenShard; ids: number[] }[] = [];
  for (const s of shards) {
    const own = ownedRange(s.record.window);
    const end = s.db.prepare(SELECT_REQUEST_END);
    const ids = findRequests(s.db, query).filter((id) => {
      const r = end.get(id) as { end_ms: number } | undefined;
      return r !== undefined && r.end_ms >= own.from && r.end_ms < own.to;
    });
    if (ids.length > 0) out.push({ shard: s, ids });
  }
  return out;
}

/**
 * One read-only statement run in every shard, over the rows each owns, the rows concatenated with a
 * leading `shard` column. Each shard answers alone: an aggregate is one row per shard (sum them, or
 * run fleet-wide SQL on the exported dataset: `query --dataset`).
 */
export function queryShards(shards: readonly OpenShard[], sql: string): QueryResult {
  let columns: string[] | null = null;
  const rows: QueryResult['rows'] = [];
  for (const s of shards) {
    if (s.record.window !== null) for (const v of ownedViews(s.record.window.fromMs, s.record.window.toMs)) s.db.exec(v);
    const r = runQuery(s.db, sql);
    columns ??= ['shard', ...r.columns];
    for (const row of r.rows) rows.push({ shard: s.record.key, ...row });
  }
  return { columns: columns ?? ['shard'], rows };
}
