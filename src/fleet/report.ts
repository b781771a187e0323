/**
 * `droptrace report --dataset DIR`: the report one database over every shard would print. DuckDB
 * reads the dataset, numbers its rows as one database would and translates each shard's own ids;
 * the rows a report reads are written to a scratch SQLite database (a temp file: a million requests
 * stay on disk, not in memory), and the report model reads that as it reads any database — the same
 * tallies, the same renderers, so the two cannot drift apart.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, openStore, type Db } from '../store/open.js';
import { buildReportModel, type BuiltReport, type ReportOptions } from '../report/model.js';
import { openDataset } from './dataset.js';
import { plain, type Duck } from '../export/duck.js';
import { makeScratchDir } from '../export/scratch.js';
import { readFleetMarks, writeFleetMarks, type FleetMarks } from './marks.js';
import {
  CREATE_MARKS, CREATE_FLEET_FILES, CREATE_FLEET_REQUESTS, CREATE_FLEET_INCIDENTS, SELECT_FLEET_REQUESTS, SELECT_FLEET_INCIDENTS,
  SELECT_FLEET_FILES, SELECT_FLEET_DEATHS, SELECT_FLEET_CAPABILITIES, SELECT_FLEET_SKEWS, SELECT_FLEET_COVERED, INSERT_FILE, INSERT_ACCESS, INSERT_VERDICT, INSERT_LB_LINE,
  INSERT_SERVER_EVENT, INSERT_ERROR_LINE, INSERT_APP_BLOCKER, INSERT_SKEWS, INSERT_FLEET_MARK, SELECT_FLEET_CHAIN,
} from '../store/sql/fleet.js';
import { INSERT_CHAIN_SETTING, INSERT_CHAIN_SNAPSHOT, type ChainSettingValues } from '../store/sql/chain.js';
import { readAttemptOutcomes, writeAttemptOutcomes } from '../store/attempts.js';

export interface FleetReportOptions extends Pick<ReportOptions, 'fromMs' | 'toMs' | 'sinceLast' | 'nowMs' | 'onStage'> {
  /** where the --since-last marks are kept (default: the dataset itself) */
  readonly marksDir?: string;
  /** DuckDB's memory_limit (duck.ts) */
  readonly memoryLimit?: string;
}

export interface FleetReport {
  readonly built: BuiltReport;
  /** with --since-last: leaves the per-shard marks, once the report is written */
  commitMarks(): void;
}

type Plain = Record<string, unknown>;

/** Streams a DuckDB query's rows (bigints as numbers, booleans as 0/1) into a SQLite statement, in batches. */
async function copyRows(conn: Duck, sql: string, db: Db, insert: (row: Plain) => void): Promise<number> {
  const result = await conn.stream(sql);
  let n = 0;
  for await (const batch of result.yieldRowObjectJs()) {
    db.transaction(() => {
      for (const r of batch) {
        const row: Plain = {};
        for (const k in r) {
          const v = r[k];
          row[k] = typeof v === 'boolean' ? (v ? 1 : 0) : plain(v);
        }
        insert(row);
        n++;
      }
    })();
  }
  return n;
}

async function one(conn: Duck, sql: string): Promise<Plain> {
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, plain(v)]));
}

export async function buildFleetReport(dir: string, opts: FleetReportOptions = {}): Promise<FleetReport> {
  const stage = opts.onStage ?? (() => {});
  const marksDir = opts.marksDir ?? dir;
  const marks = opts.sinceLast ? readFleetMarks(marksDir) : null;
  const ds = await openDataset(dir, { memoryLimit: opts.memoryLimit });
  const scratchDir = makeScratchDir('fleet');
  let db: Db | null = null;
  try {
    const { conn } = ds;
    stage('numbering the fleet\'s rows');
    await conn.run(CREATE_MARKS);
    if (marks !== null) {
      for (const [shard, id] of Object.entries(marks.shards)) await conn.run('INSERT INTO fleet_marks VALUES ($1, $2)', [shard, id]);
    }
    await conn.run(CREATE_FLEET_FILES);
    await conn.run(CREATE_FLEET_REQUESTS);
    await conn.run(CREATE_FLEET_INCIDENTS);

    db = openStore(join(scratchDir, 'fleet.db'));
    const scratch = db;
    stage('copying the requests');
    const files = scratch.prepare(INSERT_FILE);
    await copyRows(conn, SELECT_FLEET_FILES, scratch, (r) => files.run(r));
    const access = scratch.prepare(INSERT_ACCESS);
    const verdict = scratch.prepare(INSERT_VERDICT);
    const deaths = new Map((await conn.runAndReadAll(SELECT_FLEET_DEATHS)).getRowsJS().map(([stack, file, line, gid]) => [`${stack}\0${file}\0${line}`, Number(gid)]));
    const lbLine = scratch.prepare(INSERT_LB_LINE);
    await copyRows(conn, SELECT_FLEET_REQUESTS, scratch, (r) => {
      r.attempt_outcomes = withFleetDeathIds(r.attempt_outcomes as string | null, r.stack as string, deaths);
      if (r.lb_only === 1) {
        // only the load balancer logged it: its line, and the verdict under −id, as one database keeps them
        lbLine.run(pick(r, INSERT_LB_LINE));
        verdict.run(pick({ ...r, lb_id: r.lb_gid, gid: -(r.lb_gid as number) }, INSERT_VERDICT));
        return;
      }
      access.run(pick(r, INSERT_ACCESS));
      verdict.run(pick(r, INSERT_VERDICT));
    });
    const byLayer = { gunicorn: scratch.prepare(INSERT_SERVER_EVENT), uvicorn: scratch.prepare(INSERT_SERVER_EVENT), nginx: scratch.prepare(INSERT_ERROR_LINE), app: scratch.prepare(INSERT_APP_BLOCKER) };
    const sqlOf = { gunicorn: INSERT_SERVER_EVENT, uvicorn: INSERT_SERVER_EVENT, nginx: INSERT_ERROR_LINE, app: INSERT_APP_BLOCKER };
    await copyRows(conn, SELECT_FLEET_INCIDENTS, scratch, (r) => {
      const layer = r.layer as keyof typeof byLayer;
      byLayer[layer].run(pick(r, sqlOf[layer]));
    });
    await copyChain(conn, scratch);
    const skews = await one(conn, SELECT_FLEET_SKEWS);
    if (skews.app_skew_ms !== null || skews.error_skew_ms !== null) scratch.prepare(INSERT_SKEWS).run(skews);
    if (marks !== null) scratch.prepare(INSERT_FLEET_MARK).run(marks.created_ms);
    const c = await one(conn, SELECT_FLEET_CAPABILITIES) as Record<string, number>;
    const covered = (await conn.runAndReadAll(SELECT_FLEET_COVERED)).getRowsJS().map(([s, id]) => [String(s), Number(id)] as const);

    const built = buildReportModel(scratch, {
      fromMs: opts.fromMs ?? null, toMs: opts.toMs ?? null, sinceLast: opts.sinceLast ?? false,
      ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}), onStage: stage,
      capabilities: {
        access: { n: c.access_n!, with_time: c.access_with_time!, with_upstream: c.access_with_upstream!, with_request_id: c.access_with_request_id! },
        errors: { n: c.error_n!, info: c.error_info! },
        app: { n: c.app_n!, with_pid: c.app_with_pid!, with_request_id: c.app_with_request_id!, every_request: c.app_every_request! },
        server: { n: c.server_n!, gunicorn: c.server_gunicorn! },
      },
    });
    const next: FleetMarks = { created_ms: opts.nowMs ?? Date.now(), shards: { ...(marks?.shards ?? {}), ...Object.fromEntries(covered) } };
    return { built, commitMarks: () => writeFleetMarks(marksDir, next) };
  } finally {
    if (db !== null) closeStore(db);
    ds.close();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

/**
 * The audited chain's snapshots, each once: a sharded `analyze --nginx-conf/--cmd` saves the same
 * snapshot (time, inputs, settings) into every shard it ran, where one database would hold it once;
 * snapshots that differ in any of those are all kept, oldest first, as one database keeps them.
 */
async function copyChain(conn: Duck, db: Db): Promise<void> {
  const snapshots = new Map<string, { taken_ms: number; inputs: string; settings: ChainSettingValues[] }>();
  for (const r of (await conn.runAndReadAll(SELECT_FLEET_CHAIN)).getRowObjectsJS()) {
    const key = `${String(r.shard)}\0${String(r.snapshot_id)}`;
    let snap = snapshots.get(key);
    if (snap === undefined) snapshots.set(key, snap = { taken_ms: Number(r.taken_ms), inputs: String(r.inputs), settings: [] });
    snap.settings.push({
      layer: String(r.layer), server: String(r.server), location: String(r.location), setting: String(r.setting),
      value_s: r.value_s === null ? null : Number(r.value_s), value: String(r.value), source: String(r.source),
    });
  }
  const seen = new Set<string>();
  const snapshot = db.prepare(INSERT_CHAIN_SNAPSHOT);
  const setting = db.prepare(INSERT_CHAIN_SETTING);
  db.transaction(() => {
    for (const s of snapshots.values()) {
      const same = JSON.stringify(s);
      if (seen.has(same)) continue;
      seen.add(same);
      const id = Number(snapshot.run(s.taken_ms, s.inputs).lastInsertRowid);
      for (const v of s.settings) setting.run({ snapshot_id: id, ...v });
    }
  })();
}

/** The named parameters a statement takes, from the row (better-sqlite3 refuses unknown keys in strict binding). */
/** An attempt's worker death: its shard-local id replaced by the fleet's, found by file:line (export.ts). */
function withFleetDeathIds(attempts: string | null, stack: string, deaths: ReadonlyMap<string, number>): string | null {
  const list = attempts !== null && attempts.includes('worker_event_source') ? readAttemptOutcomes(attempts) : null;
  if (list === null) return attempts;
  return writeAttemptOutcomes(list.map(({ worker_event_source: src, ...a }) =>
    src == null ? a : { ...a, worker_event_id: deaths.get(`${stack}\0${src.file}\0${src.line}`) ?? null }));
}

const paramsOf = new Map<string, string[]>();
function pick(row: Plain, sql: string): Plain {
  let names = paramsOf.get(sql);
  if (names === undefined) paramsOf.set(sql, names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))]);
  const out: Plain = {};
  for (const n of names) out[n] = row[n] ?? null;
  return out;
}
