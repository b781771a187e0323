/**
 * `npm run bench`: generates a seeded corpus per size, then times the built CLI on it — ingest
 * (combined and timing formats, through the CLI and through the library's `ingestPaths`; the CLI's
 * ingest no longer correlates: the first command that reads verdicts does), `correlate --rebuild`, and `report` when the
 * command exists — the fleet stages (fleet-bench.ts: shards on every core, --only fleet,fleet-sim,fleet-dataset) — and prints medians, lines per second and peak RSS as a table. `--compare` times
 * lnav and GoAccess on the same combined file. Prints numbers; asserts nothing.
 *
 *   npm run bench -- --lines 100k,1M,4M --runs 3 --compare [--peer-runs 1] [--seed 42] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus, TIMING_FORMAT, type Corpus } from './corpus.js';
import { repeat, rssMethod } from './measure.js';
import { benchFleet, type FleetRow } from './fleet-bench.js';
import { repoRoot } from '../support/repo-root.js';

interface Options {
  sizes: number[];
  runs: number;
  peerRuns: number;
  compare: boolean;
  seed: number;
  keep: boolean;
  only: Set<string> | null;
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const INGEST_ONLY = fileURLToPath(new URL('./ingest-only.js', import.meta.url));

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`--lines: "${s}" is not a size like 100k or 1M`);
  const mult = m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [100_000, 1_000_000], runs: 3, peerRuns: -1, compare: false, seed: 42, keep: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--lines') o.sizes = val().split(',').map(parseSize);
    else if (a === '--runs') o.runs = Math.max(1, Number(val()));
    else if (a === '--peer-runs') o.peerRuns = Math.max(1, Number(val()));
    else if (a === '--compare') o.compare = true;
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '--only') o.only = new Set(val().split(','));
    else throw new Error(`unknown option ${a} (options: --lines 100k,1M --runs 3 --compare --peer-runs N --seed N --keep --only stage,…)`);
  }
  if (o.peerRuns < 0) o.peerRuns = o.runs;
  return o;
}

/** A fleet row, with the input size it was measured at. */
interface Row extends FleetRow {
  readonly size: string;
}

const fmtSize = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

function onPath(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}


function rejectsNote(out: string): string {
  try {
    const j = JSON.parse(out) as { files: { records: number; rejected: number; lines: number }[] };
    const rej = j.files.reduce((n, f) => n + f.rejected, 0);
    return rej > 0 ? `${rej} rejected!` : '';
  } catch {
    return '';
  }
}

async function benchSize(o: Options, lines: number, root: string, rows: Row[], reportExists: boolean): Promise<void> {
  const size = fmtSize(lines);
  const dir = join(root, size);
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`generating ${size} lines (seed ${o.seed}) in ${dir}\n`);
  const t0 = Date.now();
  const want = (s: string) => o.only === null || o.only.has(s);
  const c: Corpus | null = ['combined', 'timing', 'stack'].some(want) ? await generateCorpus(dir, lines, o.seed) : null;
  if (c === null) {
    await benchFleetOnly(o, lines, dir, size, rows);
    return;
  }
  const mib = (p: string) => (statSync(p).size / 2 ** 20).toFixed(0);
  process.stderr.write(`  generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: combined ${mib(c.combined)} MiB, timing ${mib(c.timing)} MiB, ` +
    `error ${c.counts.error} lines, gunicorn ${c.counts.gunicorn} lines, app ${c.counts.app} lines\n`);
  const db = join(dir, 'bench.db');
  const freshDb = () => { for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true }); };
  const add = (stage: string, n: number, r: { ms: number; rssKiB: number }, runs: number, note = '') =>
    rows.push({ size, stage, lines: n, ms: r.ms, rssKiB: r.rssKiB, runs, note });

  let dtCombined: number | null = null;
  if (want('combined')) {
    const cli = await repeat(o.runs, freshDb, process.execPath, [CLI, 'ingest', '--json', '--db', db, '--type', 'nginx-access', c.combined], 'ingest combined (CLI)');
    add('ingest combined: CLI', c.counts.combined, cli, o.runs, rejectsNote(cli.last.stdout));
    const lib = await repeat(o.runs, freshDb, process.execPath, [INGEST_ONLY, db, '-', 'nginx-access', c.combined], 'ingest combined (library)');
    add('ingest combined: library ingestPaths', c.counts.combined, lib, o.runs);
    dtCombined = cli.ms;
  }
  if (want('timing')) {
    const cli = await repeat(o.runs, freshDb, process.execPath, [CLI, 'ingest', '--json', '--db', db, '--type', 'nginx-access', '--log-format', TIMING_FORMAT, c.timing], 'ingest timing (CLI)');
    add('ingest timing: CLI', c.counts.timing, cli, o.runs, rejectsNote(cli.last.stdout));
    const lib = await repeat(o.runs, freshDb, process.execPath, [INGEST_ONLY, db, TIMING_FORMAT, 'nginx-access', c.timing], 'ingest timing (library)');
    add('ingest timing: library ingestPaths', c.counts.timing, lib, o.runs);
  }
  if (want('stack')) {
    const files = [c.timing, c.error, c.gunicorn, c.app];
    const total = c.counts.timing + c.counts.error + c.counts.gunicorn + c.counts.app;
    const ing = await repeat(o.runs, freshDb, process.execPath, [CLI, 'ingest', '--json', '--db', db, '--tz', 'UTC', '--log-format', TIMING_FORMAT, ...files], 'ingest stack (CLI)');
    add('ingest stack (4 files): CLI', total, ing, o.runs, rejectsNote(ing.last.stdout));
    const cor = await repeat(o.runs, () => {}, process.execPath, [CLI, 'correlate', '--rebuild', '--db', db], 'correlate --rebuild');
    add('correlate --rebuild (access+app rows)', c.counts.timing + c.counts.app, cor, o.runs);
    if (reportExists) {
      // A failing stage is a row in the table, not the end of the benchmark.
      try {
        const rep = await repeat(o.runs, () => {}, process.execPath, [CLI, 'report', '--db', db], 'report');
        add('report (access rows, after correlate)', c.counts.timing, rep, o.runs);
      } catch (err) {
        const why = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
        rows.push({ size, stage: 'report', lines: 0, ms: NaN, rssKiB: NaN, runs: 0, note: `failed: ${why}` });
      }
    } else {
      rows.push({ size, stage: 'report', lines: 0, ms: NaN, rssKiB: NaN, runs: 0, note: 'skipped: no `report` command in this build' });
    }
  }
  if (o.compare && want('combined')) {
    const lnav = onPath('lnav');
    if (lnav) {
      const r = await repeat(o.peerRuns, () => {}, lnav, ['-n', '-c', ';SELECT sc_status, count(*) FROM access_log GROUP BY sc_status', c.combined], 'lnav');
      add('peer: lnav GROUP BY sc_status', c.counts.combined, r, o.peerRuns, dtCombined !== null ? `droptrace CLI = ${(dtCombined / r.ms).toFixed(2)}× lnav` : '');
    } else {
      rows.push({ size, stage: 'peer: lnav', lines: 0, ms: NaN, rssKiB: NaN, runs: 0, note: 'skipped: lnav is not installed' });
    }
    const goaccess = onPath('goaccess');
    if (goaccess) {
      const out = join(dir, 'goaccess.json');
      const r = await repeat(o.peerRuns, () => rmSync(out, { force: true }), goaccess, [c.combined, '--log-format=COMBINED', '-o', out], 'goaccess');
      add('peer: GoAccess -o report.json', c.counts.combined, r, o.peerRuns, dtCombined !== null ? `droptrace CLI = ${(dtCombined / r.ms).toFixed(3)}× GoAccess` : '');
    } else {
      rows.push({ size, stage: 'peer: GoAccess', lines: 0, ms: NaN, rssKiB: NaN, runs: 0, note: 'skipped: goaccess is not installed' });
    }
  }
  if (want('fleet') || want('fleet-sim') || want('fleet-dataset')) {
    // the fleet stages read stacks of their own: `lines` requests per stack
    const fleet = await benchFleet({ runs: o.runs, peerRuns: o.peerRuns, compare: o.compare, seed: o.seed, fleet: want('fleet'), sim: want('fleet-sim'), dataset: want('fleet-dataset') },
      lines, join(dir, 'fleet'), CLI, repeat, { lnav: onPath('lnav'), goaccess: onPath('goaccess') });
    for (const r of fleet) rows.push({ size, ...r });
  }
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
}

/** `--only fleet,fleet-sim`: no single-stack corpus to generate. */
async function benchFleetOnly(o: Options, lines: number, dir: string, size: string, rows: Row[]): Promise<void> {
  const want = (s: string) => o.only === null || o.only.has(s);
  const fleet = await benchFleet({ runs: o.runs, peerRuns: o.peerRuns, compare: o.compare, seed: o.seed, fleet: want('fleet'), sim: want('fleet-sim'), dataset: want('fleet-dataset') },
    lines, join(dir, 'fleet'), CLI, repeat, { lnav: onPath('lnav'), goaccess: onPath('goaccess') });
  for (const r of fleet) rows.push({ size, ...r });
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
}

function renderTable(rows: readonly Row[]): string {
  const head = ['lines', 'stage', 'rows in', 'median s', 'lines/s', 'peak RSS MiB', 'runs', 'note'];
  const body = rows.map((r) => [
    r.size, r.stage, r.lines ? fmtInt(r.lines) : '', Number.isNaN(r.ms) ? '' : (r.ms / 1000).toFixed(2),
    Number.isNaN(r.ms) || !r.lines ? '' : fmtInt(r.lines / (r.ms / 1000)), Number.isNaN(r.rssKiB) ? '' : (r.rssKiB / 1024).toFixed(0),
    r.runs ? String(r.runs) : '', r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run npm run build first`);
  const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  const reportExists = /^\s+report\b/m.test(help);
  const sqlite = execFileSync(process.execPath, ['-e', "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"], { encoding: 'utf8', cwd: repoRoot() }).trim();
  const root = mkdtempSync(join(tmpdir(), 'droptrace-bench-'));
  const rows: Row[] = [];
  try {
    for (const n of o.sizes) await benchSize(o, n, root, rows, reportExists);
  } finally {
    if (!o.keep) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`corpora kept in ${root}\n`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(
    `droptrace bench — ${new Date().toISOString()}\n` +
    `machine: ${availableParallelism()} cores (${cpu}), node ${process.version}, SQLite ${sqlite}; peak RSS by ${rssMethod()}\n` +
    `command: npm run bench -- ${process.argv.slice(2).join(' ')}\n` +
    `timing format: ${TIMING_FORMAT}\n\n` +
    renderTable(rows) + '\n',
  );
}

// `node --test dist/test/` runs every file under a directory named test: a benchmark is no test.
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  process.stdout.write('# bench.js is a benchmark, not a test: run it with npm run bench\n');
} else main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
