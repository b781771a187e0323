/**
 * Records the short runs committed under samples/<profile>/ and writes each one's README.md:
 *
 *   npm run build && node dist/test/harness/make-samples.js [PROFILE…]
 *
 * One light background client and the scripted events only, so a recording stays readable. Paths of
 * this machine are rewritten (the app's folder becomes /srv/app, as in a deployment).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES, isProfileName, type ProfileName } from './profiles.js';
import { APP_DIR, REPO_ROOT, isMain, runStack, type RunSummary } from './stack.js';
import { LABELS, type Label, type RequestTruth } from './truth.js';
import { checkRecording, readRecording } from './recording.js';

export const SAMPLE_SETTINGS = { seconds: 0, clients: 1, rate: 0.3 } as const;

const WHAT_TO_FIND: Readonly<Record<Label, string>> = {
  ok: 'answered normally (may still be slow, stalled or silently retried by nginx)',
  client_abort: 'the client hung up first: nginx logs 499, the handler runs on and finishes (wasted work)',
  proxy_timeout: "nginx's proxy_read_timeout fired: 504; the GET was retried on the next server first",
  worker_timeout: "gunicorn's worker timeout fired (WORKER TIMEOUT, signal 6): 502; nginx retried the GET (onto a second worker that died the same way, or onto a dead cached connection)",
  worker_crash: 'the worker was killed by SIGKILL with the request in flight: 502 for POSTs; GETs were retried and may have ended ok',
  upstream_unavailable: 'gunicorn was not running: connect() refused on both servers, 502 without the app seeing anything',
  upstream_error: 'nginx reused an upstream keep-alive connection uvicorn was closing: 502 (POST) with no trace in the app',
  app_error: 'the handler raised: 500, "Request failed after" and a traceback in gunicorn.log',
  rejected_by_proxy: 'nginx answered by itself (413 body too large, 400 duplicate Host): the app never saw it',
};

function listTags(truth: readonly RequestTruth[], pick: (t: RequestTruth) => boolean, max = 8): string {
  const tags = truth.filter(pick).map((t) => t.tag);
  return tags.length <= max ? tags.join(', ') : `${tags.slice(0, max).join(', ')}, … (${tags.length})`;
}

function renderReadme(profile: ProfileName, summary: RunSummary, truth: readonly RequestTruth[]): string {
  const v = summary.versions;
  const byTag = new Map(truth.map((t) => [t.tag, t]));
  const eventRows = summary.events
    .slice()
    .sort((a, b) => a.startMs - b.startMs)
    .map((e) => {
      const labels = [...new Set(e.tags.map((t) => byTag.get(t)?.label).filter(Boolean))].join(', ');
      return `| ${e.name} | ${e.happened ? 'yes' : `NO: ${e.why ?? ''}`} | ${e.description} | ${labels} |`;
    });
  const labelRows = LABELS.map(
    (l) => `| ${l} | ${summary.labels[l]} | ${listTags(truth, (t) => t.label === l && (l !== 'ok' || t.scenario !== 'background'))} | ${WHAT_TO_FIND[l]} |`,
  );
  return [
    `# samples/${profile}`,
    '',
    `${PROFILES[profile].description}.`,
    '',
    '## How it was recorded',
    '',
    '```sh',
    `npm run build && node dist/test/harness/make-samples.js ${profile}`,
    `# = npm run stack -- samples/${profile} --profile ${profile} --seconds ${SAMPLE_SETTINGS.seconds} --clients ${SAMPLE_SETTINGS.clients} --rate ${SAMPLE_SETTINGS.rate}`,
    '```',
    '',
    `nginx ${v['nginx']}, gunicorn ${v['gunicorn']} with 2 uvicorn ${v['uvicorn']} workers (h11, asyncio), FastAPI ${v['fastapi']}`,
    `(Starlette ${v['starlette']}), Python ${v['python']}; TZ=${summary.tz}; recorded ${summary.startedAt}.`,
    `Timeouts: proxy_read_timeout ${summary.timeouts.proxyReadSeconds}s, gunicorn --timeout ${summary.timeouts.workerTimeoutSeconds},`,
    `--keep-alive ${summary.timeouts.upstreamKeepAliveSeconds} (uvicorn's upstream keep-alive), --graceful-timeout ${summary.timeouts.gracefulSeconds}.`,
    'The configs used are in `conf/` (nginx.conf, the gunicorn command line, stack.json).',
    '',
    '| folder | what | droptrace reads it |',
    '|---|---|---|',
    '| logs/access.log, logs/error.log | nginx | yes |',
    '| logs/gunicorn.log | gunicorn stderr (+stdout): gunicorn, uvicorn, the app\'s middleware lines, tracebacks | yes |',
    ...(summary.profile === 'timing' || summary.profile === 'json' ? ['| logs/app.ndjson | the app\'s structured request log | yes |'] : []),
    '| conf/ | nginx.conf, gunicorn.cmd, stack.json | the audit does |',
    '| truth/ | requests.ndjson (one record per tag), summary.json, app-events.ndjson (the app\'s private handler start/finish events) | **never**: these are the answers |',
    '',
    'Every request carries its tag in the query (`?dt=t0042`): join truth and logs on it.',
    '',
    '## What happened',
    '',
    `${summary.requests} requests. Scripted events, in order (see test/harness/scenarios.ts):`,
    '',
    '| event | happened | what | labels of its requests |',
    '|---|---|---|---|',
    ...eventRows,
    '',
    '## What droptrace should find',
    '',
    '| label | requests | tags (scripted ones) | meaning |',
    '|---|---|---|---|',
    ...labelRows,
    '',
    `Also: wasted work (a handler finished after its client or nginx gave up) for ${listTags(truth, (t) => t.wastedWork)};`,
    `retried by nginx onto the next server, as the app saw it, for ${listTags(truth, (t) => t.retried)};`,
    `slowed by another handler blocking the event loop for ${listTags(truth, (t) => t.stalledBy !== null)}.`,
    'nginx retries that never reached the app (the keep-alive race on a GET, a refused connection to the first',
    'server) show only in `$upstream_status` as "502, 200" — in the timing and json profiles.',
    '',
  ].join('\n');
}

/** Rewrites this machine's paths in every text file of the recording. */
function neutralisePaths(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      neutralisePaths(path);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const fixed = text.split(APP_DIR).join('/srv/app').split(REPO_ROOT).join('/srv/droptrace/');
    if (fixed !== text) writeFileSync(path, fixed);
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const profiles = wanted.length > 0 ? wanted.filter(isProfileName) : (Object.keys(PROFILES) as ProfileName[]);
  for (const profile of profiles) {
    const dir = join(REPO_ROOT, 'samples', profile);
    const { summary, truth } = await runStack({ outDir: dir, profile, ...SAMPLE_SETTINGS });
    neutralisePaths(dir);
    writeFileSync(join(dir, 'README.md'), renderReadme(profile, summary, truth));
    const problems = checkRecording(readRecording(dir));
    process.stdout.write(`${profile}: ${truth.length} requests, ${problems.length} problem(s)\n`);
    for (const p of problems) process.stdout.write(`  ${p}\n`);
    if (problems.length > 0) process.exitCode = 1;
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`make-samples: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
