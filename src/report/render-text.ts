/**
 * The terminal report. Colour comes from the caller (none when piped or with NO_COLOR); every
 * log-derived string goes through stripControls, since a URI or user agent can carry escape codes.
 */
import { Chalk } from 'chalk';
import { stripControls, renderTable } from '../output/rows.js';
import { VERDICTS } from '../domain/verdicts.js';
import type { ReportModel, RequestRef } from './types.js';
import { formatTime, pct, secs, coarsen, LISTED, levelCounts, supportNote, possibleRacesText, blockerUnknownText, changeText, restartText, incidentEventText, incidentEvidenceText } from './format.js';

export interface TextOptions {
  readonly color: boolean;
  readonly zone?: string;
}

const FAILED = new Set<string>(VERDICTS.filter((v) => v.failed).map((v) => v.id));

export function renderText(m: ReportModel, o: TextOptions): string {
  const c = new Chalk({ level: o.color ? 1 : 0 });
  const zone = o.zone ?? 'UTC';
  const t = (x: string | null) => formatTime(x, zone);
  const s = (x: string | null) => stripControls(x ?? '-');
  const ref = (r: RequestRef) => `#${r.id} ${s(r.method)} ${s(r.uri)} → ${r.status ?? '-'} after ${secs(r.duration_s)} ${c.dim(`(${s(r.source)})`)}`;
  const h = (title: string) => `\n${c.bold.underline(title)}`;
  const out: string[] = [];

  const w = m.window;
  const range = w.from || w.to ? `${t(w.from)} → ${t(w.to)}` : w.first_end ? `${t(w.first_end)} → ${t(w.last_end)}` : 'no requests';
  out.push(c.bold(`droptrace report — ${range} (${zone})`));
  if (w.since_last) out.push(`since the last report${w.since_last.previous_report_at ? ` (${t(w.since_last.previous_report_at)})` : ' (none before: everything)'}: requests after #${w.since_last.after_request_id}`);
  const revised = w.since_last?.revised;
  if (revised && revised.count > 0) {
    out.push(c.yellow(`revised since then: ${revised.count} request(s) reported before have another verdict now (logs that arrived later, or a rebuild)`));
    for (const ch of revised.changes) out.push(`  ${s(ch.from)} → ${s(ch.to)}: ${ch.count}`);
    for (const r of revised.requests) out.push(`    ${ref(r)}, was ${s(r.previous_verdict)}, now ${s(r.verdict)}`);
    if (revised.count > revised.requests.length) out.push(`    … and ${revised.count - revised.requests.length} more`);
  }
  const tot = m.totals;
  const silentText = `${tot.silent} silent (silent-drop rate ${pct(tot.silent_rate)})`;
  out.push(`${tot.requests} requests, ${tot.failed} failed (${pct(tot.failed_rate)}), ${tot.silent > 0 ? c.red(silentText) : silentText}`);

  out.push(h('Verdicts'));
  out.push(indent(renderTable(tot.verdicts.filter((v) => v.count > 0).map((v) => ({ verdict: v.id, count: v.count, share: pct(v.share), layer: v.layer, evidence: levelCounts(v.evidence) })), ['verdict', 'count', 'share', 'layer', 'evidence'])));
  const flags = tot.flags.filter((f) => f.count > 0);
  if (flags.length) out.push(indent(renderTable(flags.map((f) => ({ flag: f.id, count: f.count, share: pct(f.share), evidence: levelCounts(f.evidence) })), ['flag', 'count', 'share', 'evidence'])));

  out.push(h('Endpoints by harm (failed + wasted work)'));
  out.push(m.endpoints.length === 0 ? '  none: no request failed or wasted work\n' : indent(renderTable(m.endpoints.map((e) => ({
    endpoint: e.endpoint, requests: e.requests, failed: e.failed, silent: e.silent, wasted: e.wasted,
    verdicts: Object.entries(e.verdicts).filter(([v]) => FAILED.has(v)).sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} ${n}`).join(', '),
  })), ['endpoint', 'requests', 'failed', 'silent', 'wasted', 'verdicts'], 70)));

  out.push(h('Timeout fingerprints'));
  const withClusters = m.fingerprints.filter((f) => f.clusters.length > 0);
  if (withClusters.length === 0) out.push('  no pile-up at a single duration among failed requests\n');
  for (const f of withClusters) {
    for (const cl of f.clusters) {
      out.push(`  ${c.yellow(f.verdict)}: ${cl.count} of ${f.durations} ended at ${c.bold(`${cl.center_s} s`)} (${cl.low_s}–${cl.high_s} s) → ${cl.knob}`);
      if (cl.user_agents.length) out.push(`      user agents: ${cl.user_agents.map((u) => `${s(u.agent)} (${u.count})`).join(', ')}`);
      for (const e of cl.examples.slice(0, 3)) out.push(`      ${ref(e)}`);
    }
  }
  if (m.histogram.bins.length) {
    const hist = coarsen(m.histogram, 30);
    const max = Math.max(...hist.bins.map((b) => b.total));
    out.push(`\n  failed requests by duration (${hist.bin_s} s bins)`);
    for (const b of hist.bins) {
      const bar = '█'.repeat(Math.max(1, Math.round((b.total / max) * 40)));
      out.push(`  ${`${b.start_s.toFixed(1)} s`.padStart(9)} ${c.cyan(bar)} ${b.total}`);
    }
  }

  out.push(h('Worker incidents'));
  if (m.worker_incidents.length === 0) out.push('  none in the logs\n');
  for (const i of m.worker_incidents) {
    out.push(`  ${t(i.time)}  ${c.red(incidentEventText(i))} pid ${i.worker_pid ?? '?'}${i.signal !== null ? ` signal ${i.signal}` : ''}  ${c.dim(s(i.source))}`);
    out.push(`      ${s(i.message)}`);
    const evidence = incidentEvidenceText(i);
    if (evidence !== null) out.push(`      ${s(evidence)}`);
    if (i.blocker) out.push(`      blocking request: ${ref(i.blocker.request)}: ${i.blocker.why}${supportNote(i.blocker_evidence)}`);
    else if (i.blocker_candidates.length > 0) {
      out.push(`      ${blockerUnknownText(i.blocker_evidence, i.blocker_candidates.length)}`);
      for (const r of i.blocker_candidates.slice(0, LISTED)) out.push(`        candidate: ${ref(r)}`);
    }
    for (const d of i.died.slice(0, LISTED)) out.push(`      died with it: ${ref(d)}`);
    if (i.died_count > LISTED) out.push(`      … and ${i.died_count - LISTED} more died with it`);
    for (const r of i.retried.slice(0, LISTED)) out.push(`      retried onto ${s(r.next_addr)}: ${ref(r.request)}`);
    if (i.retried_count > LISTED) out.push(`      … and ${i.retried_count - LISTED} more retried onto other workers`);
    if (i.replaced_by) out.push(`      replaced by pid ${i.replaced_by.pid ?? '?'} at ${t(i.replaced_by.time)} ${c.dim(`(${s(i.replaced_by.source)})`)}`);
  }

  if (m.restarts.length > 0) {
    out.push(h('Restarts'));
    for (const w of m.restarts) {
      out.push(`  ${restartText(w, t)}  ${c.dim(`(${s(w.stop.source)} → ${s(w.start.source)})`)}`);
      for (const r of w.requests.slice(0, 5)) out.push(`      ${ref(r)}`);
      if (w.failed_count > 5) out.push(`      … and ${w.failed_count - 5} more`);
    }
  }

  out.push(h('Wasted work'));
  const ww = m.wasted_work;
  if (ww.requests === 0) out.push('  none seen\n');
  else {
    out.push(`  ${ww.requests} handler(s) ran ${ww.total_s.toFixed(1)} s after nobody was waiting`);
    for (const e of ww.by_endpoint) out.push(`    ${s(e.endpoint)}: ${e.requests} request(s), ${e.wasted_s.toFixed(1)} s`);
    for (const r of ww.top.slice(0, 5)) out.push(`      ${r.wasted_s.toFixed(1)} s wasted: ${ref(r)}`);
  }

  out.push(h('Event-loop stalls'));
  if (m.stalls.length === 0) out.push('  none seen\n');
  for (const st of m.stalls) {
    const who = st.blocker ? ref(st.blocker) : st.blocker_app ? `${s(st.blocker_app.method)} ${s(st.blocker_app.path)} (app only, ${s(st.blocker_app.source)})` : 'unknown';
    out.push(`  pid ${st.pid ?? '?'} ${t(st.from)} → ${t(st.to)}: ${st.victim_count} request(s) stalled behind ${who}${st.blocker_elapsed_s !== null ? `, which ran ${st.blocker_elapsed_s.toFixed(2)} s` : ''}`);
    for (const v of st.victims.slice(0, 3)) out.push(`      ${ref(v)}`);
  }

  out.push(h('Keep-alive races'));
  const races = m.keepalive_races;
  if (races.count === 0 && races.possible.count === 0) out.push('  none seen\n');
  if (races.count > 0) {
    out.push(`  ${races.count} request(s) failed on a reused upstream connection the app had just closed (inferred: the attempt failed within 50 ms, before any header, and nginx says the upstream closed it)`);
    for (const r of races.requests.slice(0, 5)) out.push(`      ${ref(r)}`);
  }
  if (races.possible.count > 0) {
    out.push(`  could be a keep-alive race — add $upstream_connect_time: ${possibleRacesText(races.possible.count, races.possible.missing)}`);
    for (const r of races.possible.requests.slice(0, 5)) out.push(`      ${ref(r)}`);
  }

  out.push(h('Recommendations'));
  out.push(`  read from ${s(m.chain_model.origin_note)}`);
  if (m.recommendations.length === 0) out.push('  nothing to change on this evidence\n');
  m.recommendations.forEach((r, n) => {
    out.push(`  ${n + 1}. ${c.bold(r.title)}`);
    out.push(`     ${r.detail}`);
    for (const ch of r.changes) out.push(`     ${c.yellow('•')} ${s(changeText(ch))}`);
    for (const l of r.lines) out.push(`       ${c.green(l)}`);
    for (const e of r.evidence) out.push(`       evidence: ${ref(e)}`);
  });

  if (m.timeline) {
    out.push(h('Incident timeline'));
    if (m.timeline.entries.length === 0) out.push('  nothing failed in the window\n');
    for (const e of m.timeline.entries) out.push(`  ${t(e.time)}  ${e.layer.padEnd(11)}  ${s(e.what)}  ${c.dim(s(e.source))}`);
    if (m.timeline.truncated) out.push('  … (cut: narrow --from/--to for the rest)');
  }

  if (m.chain) {
    out.push(h(`Timeout chain (${m.chain.snapshots} audit snapshot${m.chain.snapshots === 1 ? '' : 's'})`));
    for (const d of m.chain.directives) out.push(`  ${d.verdict} pile at ${d.center_s} s = ${s(d.directive)}`);
    if (m.chain.changes.length === 0) out.push('  no clock changed between snapshots');
    for (const ch of m.chain.changes) {
      out.push(`  ${c.yellow(`${ch.layer} ${ch.setting}`)} ${s(ch.server)} ${s(ch.location)}: ${s(ch.from)} → ${s(ch.to)} between ${t(ch.since)} and ${t(ch.at)} (${s(ch.to_source)})`);
      out.push(`      failed before: ${ch.before.failed}/${ch.before.requests} (${pct(ch.before.failed_rate)}), after: ${ch.after.failed}/${ch.after.requests} (${pct(ch.after.failed_rate)})`);
    }
  }

  out.push(h('What the logs cannot tell'));
  if (m.gaps.length === 0) out.push('  the inputs carry everything droptrace uses\n');
  for (const g of m.gaps) {
    out.push(`  ${c.yellow(g.what)}: ${g.why}`);
    for (const l of g.fix) out.push(`      ${c.green(l)}`);
  }

  out.push(h('Inputs'));
  out.push(indent(renderTable(m.inputs.map((f) => ({ path: f.path, type: f.type, records: f.records, rejected: f.rejected })), ['path', 'type', 'records', 'rejected'], 80)));
  const problems = m.inputs.filter((f) => f.problem !== null);
  if (problems.length > 0) {
    out.push(`  ${c.red('gave nothing')}:`);
    for (const f of problems) out.push(`    ${s(f.path)}: ${s(f.problem ?? '')}`);
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

const indent = (block: string) => block.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
