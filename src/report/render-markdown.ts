/**
 * The markdown report: pastes into a postmortem. Log-derived strings are stripped of control
 * characters and kept inside code spans or escaped, so a hostile URI cannot break the table.
 */
import { stripControls } from '../output/rows.js';
import type { ReportModel, RequestRef } from './types.js';
import { formatTime, pct, secs, LISTED, levelCounts, supportNote, possibleRacesText, blockerUnknownText, changeText, restartText, incidentEventText, incidentEvidenceText } from './format.js';

/** Text for a table cell or a line: controls stripped, markdown and HTML specials escaped. */
export function mdText(s: string | null): string {
  return stripControls(s ?? '-').replace(/[\\`*_{}[\]()#+!|<>&~]/g, (ch) => (ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '&' ? '&amp;' : `\\${ch}`));
}

/** A code span that no backtick in the content can close. */
export function mdCode(s: string | null): string {
  const t = stripControls(s ?? '-').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const ticks = '`'.repeat(Math.max(1, ...[...t.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${t}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';

export function renderMarkdown(m: ReportModel, o: { zone: string }): string {
  const t = (x: string | null) => formatTime(x, o.zone);
  const ref = (r: RequestRef) => `#${r.id} ${mdCode(`${r.method ?? '-'} ${r.uri ?? '-'}`)} → ${r.status ?? '-'} after ${secs(r.duration_s)} (${mdCode(r.source)})`;
  const out: string[] = [];
  const w = m.window;
  const range = w.from || w.to ? `${t(w.from)} → ${t(w.to)}` : w.first_end ? `${t(w.first_end)} → ${t(w.last_end)}` : 'no requests';
  out.push(`# droptrace report: ${range} (${o.zone})\n`);
  if (w.since_last) out.push(`Since the last report${w.since_last.previous_report_at ? ` (${t(w.since_last.previous_report_at)})` : ''}: requests after #${w.since_last.after_request_id}.\n`);
  const revised = w.since_last?.revised;
  if (revised && revised.count > 0) {
    out.push(`**Revised since then:** ${revised.count} request(s) reported before have another verdict now (logs that arrived later, or a rebuild): ${revised.changes.map((ch) => `${mdCode(ch.from)} → ${mdCode(ch.to)} ${ch.count}`).join(', ')}.\n`);
    for (const r of revised.requests) out.push(`- ${ref(r)}, was ${mdCode(r.previous_verdict)}, now ${mdCode(r.verdict)}`);
    if (revised.count > revised.requests.length) out.push(`- … and ${revised.count - revised.requests.length} more`);
    out.push('');
  }
  const tot = m.totals;
  out.push(`**${tot.requests}** requests, **${tot.failed}** failed (${pct(tot.failed_rate)}), **${tot.silent}** silent — silent-drop rate **${pct(tot.silent_rate)}**.\n`);

  out.push('## Verdicts\n');
  out.push(table(['verdict', 'count', 'share', 'layer', 'evidence'], tot.verdicts.filter((v) => v.count > 0).map((v) => [`\`${v.id}\``, String(v.count), pct(v.share), v.layer, levelCounts(v.evidence)])));
  const flags = tot.flags.filter((f) => f.count > 0);
  if (flags.length) out.push(table(['flag', 'count', 'share', 'evidence'], flags.map((f) => [`\`${f.id}\``, String(f.count), pct(f.share), levelCounts(f.evidence)])));

  out.push('## Endpoints by harm\n');
  out.push(m.endpoints.length === 0 ? 'No request failed or wasted work.\n' : table(['endpoint', 'requests', 'failed', 'silent', 'wasted', 'example'],
    m.endpoints.map((e) => [mdCode(e.endpoint), String(e.requests), String(e.failed), String(e.silent), String(e.wasted), e.example ? `#${e.example.id}` : ''])));

  out.push('## Timeout fingerprints\n');
  const fps = m.fingerprints.flatMap((f) => f.clusters.map((c) => ({ f, c })));
  out.push(fps.length === 0 ? 'No pile-up at a single duration among failed requests.\n' : table(['verdict', 'at', 'range', 'requests', 'likely clock', 'user agents', 'examples'],
    fps.map(({ f, c }) => [`\`${f.verdict}\``, `${c.center_s} s`, `${c.low_s}–${c.high_s} s`, `${c.count} of ${f.durations}`, mdText(c.knob),
      c.user_agents.map((u) => `${mdCode(u.agent)} (${u.count})`).join(', '), c.examples.slice(0, 3).map((e) => `#${e.id}`).join(', ')])));

  out.push('## Worker incidents\n');
  if (m.worker_incidents.length === 0) out.push('None in the logs.\n');
  for (const i of m.worker_incidents) {
    out.push(`- **${t(i.time)}** \`${i.event}\`${i.event === 'inferred_death' ? ` ${incidentEventText(i)}` : ''} pid ${i.worker_pid ?? '?'} — ${mdCode(i.message)} (${mdCode(i.source)})`);
    const evidence = incidentEvidenceText(i);
    if (evidence !== null) out.push(`  - ${mdText(evidence)}`);
    if (i.blocker) out.push(`  - blocking request: ${ref(i.blocker.request)}: ${i.blocker.why}${mdText(supportNote(i.blocker_evidence))}`);
    else if (i.blocker_candidates.length > 0) {
      out.push(`  - ${mdText(blockerUnknownText(i.blocker_evidence, i.blocker_candidates.length))}`);
      for (const r of i.blocker_candidates.slice(0, LISTED)) out.push(`    - candidate: ${ref(r)}`);
    }
    for (const d of i.died.slice(0, LISTED)) out.push(`  - died with it: ${ref(d)}`);
    if (i.died_count > LISTED) out.push(`  - … and ${i.died_count - LISTED} more died with it`);
    for (const r of i.retried.slice(0, LISTED)) out.push(`  - retried onto ${mdCode(r.next_addr)}: ${ref(r.request)}`);
    if (i.retried_count > LISTED) out.push(`  - … and ${i.retried_count - LISTED} more retried onto other workers`);
    if (i.replaced_by) out.push(`  - replaced by pid ${i.replaced_by.pid ?? '?'} at ${t(i.replaced_by.time)}`);
  }
  out.push('');

  if (m.restarts.length > 0) {
    out.push('## Restarts\n');
    for (const w of m.restarts) {
      out.push(`- ${mdText(restartText(w, t))} (${mdCode(w.stop.source)} → ${mdCode(w.start.source)})`);
      for (const r of w.requests.slice(0, 5)) out.push(`  - ${ref(r)}`);
    }
    out.push('');
  }

  out.push('## Wasted work\n');
  const ww = m.wasted_work;
  out.push(ww.requests === 0 ? 'None seen.\n' : `${ww.requests} handler(s) ran **${ww.total_s.toFixed(1)} s** after nobody was waiting.\n\n` +
    table(['endpoint', 'requests', 'wasted'], ww.by_endpoint.map((e) => [mdCode(e.endpoint), String(e.requests), `${e.wasted_s.toFixed(1)} s`])));

  out.push('## Event-loop stalls\n');
  if (m.stalls.length === 0) out.push('None seen.\n');
  for (const st of m.stalls) {
    const who = st.blocker ? ref(st.blocker) : st.blocker_app ? `${mdCode(`${st.blocker_app.method ?? ''} ${st.blocker_app.path ?? ''}`)} (app only, ${mdCode(st.blocker_app.source)})` : 'unknown';
    out.push(`- pid ${st.pid ?? '?'}, ${t(st.from)} → ${t(st.to)}: ${st.victim_count} request(s) stalled behind ${who}`);
  }
  out.push('');

  out.push('## Keep-alive races\n');
  const races = m.keepalive_races;
  if (races.count === 0 && races.possible.count === 0) out.push('None seen.\n');
  if (races.count > 0) out.push(`${races.count} request(s), inferred from attempt timing:\n\n` + races.requests.slice(0, 10).map((r) => `- ${ref(r)}`).join('\n') + '\n');
  if (races.possible.count > 0) {
    out.push(`**Could be a keep-alive race — add \`$upstream_connect_time\`:** ${mdText(possibleRacesText(races.possible.count, races.possible.missing))}\n\n` +
      races.possible.requests.slice(0, 10).map((r) => `- ${ref(r)}`).join('\n') + '\n');
  }

  out.push('## Recommendations\n');
  out.push(`Read from ${mdText(m.chain_model.origin_note)}.\n`);
  if (m.recommendations.length === 0) out.push('Nothing to change on this evidence.\n');
  m.recommendations.forEach((r, n) => {
    out.push(`${n + 1}. **${mdText(r.title)}** ${mdText(r.detail)}`);
    for (const ch of r.changes) out.push(`   - ${mdText(changeText(ch))}`);
    if (r.lines.length) out.push(`\n   \`\`\`\n${r.lines.map((l) => `   ${l}`).join('\n')}\n   \`\`\``);
    for (const e of r.evidence) out.push(`   - ${ref(e)}`);
  });
  out.push('');

  if (m.timeline) {
    out.push('## Incident timeline\n');
    out.push(m.timeline.entries.length === 0 ? 'Nothing failed in the window.\n' : table(['time', 'layer', 'what', 'source'],
      m.timeline.entries.map((e) => [t(e.time), e.layer, mdCode(e.what), mdCode(e.source)])));
    if (m.timeline.truncated) out.push('_(cut: narrow --from/--to for the rest)_\n');
  }

  if (m.chain) {
    out.push(`## Timeout chain (${m.chain.snapshots} audit snapshot${m.chain.snapshots === 1 ? '' : 's'})\n`);
    for (const d of m.chain.directives) out.push(`- \`${d.verdict}\` pile at ${d.center_s} s = ${mdText(d.directive)}`);
    if (m.chain.changes.length === 0) out.push('No clock changed between snapshots.');
    for (const ch of m.chain.changes) {
      out.push(`- **${mdText(`${ch.layer} ${ch.setting}`)}** (${mdText(ch.server)} ${mdText(ch.location)}): ${mdText(ch.from)} → ${mdText(ch.to)} between ${ch.since} and ${ch.at} (${mdText(ch.to_source)}); failed before ${ch.before.failed}/${ch.before.requests}, after ${ch.after.failed}/${ch.after.requests}`);
    }
    out.push('');
  }
  out.push('## What the logs cannot tell\n');
  if (m.gaps.length === 0) out.push('The inputs carry everything droptrace uses.\n');
  for (const g of m.gaps) out.push(`- **${mdText(g.what)}**: ${mdText(g.why)}\n\n  \`\`\`\n${g.fix.map((l) => `  ${l}`).join('\n')}\n  \`\`\`\n`);

  out.push('## Inputs\n');
  out.push(table(['file', 'type', 'records', 'rejected'], m.inputs.map((f) => [mdCode(f.path), f.type, String(f.records), String(f.rejected)])));
  const problems = m.inputs.filter((f) => f.problem !== null);
  if (problems.length > 0) out.push('\n**Gave nothing:**\n\n' + problems.map((f) => `- ${mdCode(f.path)}: ${mdText(f.problem ?? '')}`).join('\n') + '\n');
  out.push(`\n_generated by droptrace at ${t(m.generated_at)}_\n`);
  return out.join('\n');
}
