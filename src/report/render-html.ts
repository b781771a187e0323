/**
 * The HTML report: one self-contained file that works offline — inline CSS, inline SVG charts, no
 * script at all (a strict CSP forbids any). URIs and user agents are attacker-controlled: every
 * log-derived string goes through `esc` (after stripControls) before it reaches the markup.
 */
import { VERDICTS } from '../domain/verdicts.js';
import { stripControls } from '../output/rows.js';
import type { ReportModel, RequestRef } from './types.js';
import { formatTime, pct, secs, LISTED, levelCounts, supportNote, possibleRacesText, blockerUnknownText, changeText, restartText, incidentEventText, incidentEvidenceText } from './format.js';
import { esc, renderStackedBars, renderLegend, ticks } from './svg.js';
import { isoUtc, secondsToMs } from '../domain/units.js';

export const VERDICT_COLORS: Readonly<Record<string, string>> = {
  ok: '#9aa5b1', app_error: '#d64545', client_abort: '#f0b429', proxy_timeout: '#8e44ad', worker_timeout: '#e66a1f',
  worker_crash: '#8b1e1e', upstream_unavailable: '#2d3a8c', upstream_error: '#3b82c4', rejected_by_proxy: '#5c7080',
  lb_timeout: '#0e7c86', lb_upstream_error: '#14919b', lb_unavailable: '#044e54',
};
const LAYER_COLORS: Readonly<Record<string, string>> = { client: '#f0b429', lb: '#0e7c86', nginx: '#3b82c4', gunicorn: '#e66a1f', app: '#d64545' };

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1160px;color:#1f2933;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9e2ec;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{border:1px solid #d9e2ec;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
code{background:#f0f4f8;padding:0 3px;word-break:break-all}pre{background:#102a43;color:#f0f4f8;padding:8px 10px;overflow-x:auto;border-radius:4px}
.summary{font-size:16px}.bad{color:#b42318;font-weight:600}.muted{color:#627d98}.card{border:1px solid #d9e2ec;border-radius:6px;padding:8px 12px;margin:8px 0}
svg.chart{max-width:100%;height:auto;background:#fff}.axis{stroke:#52606d}.grid{stroke:#e4e7eb}.tick{font-size:11px;fill:#52606d}
.chart-title{font-size:13px;font-weight:600;fill:#1f2933}.marker{stroke:#b42318;stroke-dasharray:4 3;stroke-width:1.5}.marker-label{font-size:11px;fill:#b42318}
.legend span{margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
ul{margin:4px 0;padding-left:20px}`;

export function renderHtml(m: ReportModel, o: { zone: string }): string {
  const t = (x: string | null) => esc(formatTime(x, o.zone));
  const s = (x: string | null | undefined) => esc(stripControls(x ?? '-'));
  const ref = (r: RequestRef) => `#${r.id} <code>${s(r.method)} ${s(r.uri)}</code> → ${r.status ?? '-'} after ${secs(r.duration_s)} <span class="muted">${s(r.source)}</span>`;
  const table = (head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) =>
      `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const w = m.window;
  const range = w.from || w.to ? `${t(w.from)} → ${t(w.to)}` : w.first_end ? `${t(w.first_end)} → ${t(w.last_end)}` : 'no requests';
  const tot = m.totals;
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">`);
  out.push(`<meta name="viewport" content="width=device-width, initial-scale=1"><title>droptrace report ${esc(range.replace(/&[a-z#0-9]+;/g, ''))}</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>droptrace report</h1><p class="muted">${range} (${esc(o.zone)}) · generated ${t(m.generated_at)}</p>`);
  if (w.since_last) out.push(`<p>Since the last report${w.since_last.previous_report_at ? ` (${t(w.since_last.previous_report_at)})` : ''}: requests after #${w.since_last.after_request_id}.</p>`);
  const revised = w.since_last?.revised;
  if (revised && revised.count > 0) {
    out.push(`<p class="bad">Revised since then: ${revised.count} request(s) reported before have another verdict now (logs that arrived later, or a rebuild): ${revised.changes.map((ch) => `${s(ch.from)} → ${s(ch.to)} ${ch.count}`).join(', ')}.</p>`);
    out.push(`<ul>${revised.requests.map((r) => `<li>${ref(r)}, was ${s(r.previous_verdict)}, now ${s(r.verdict)}</li>`).join('')}${revised.count > revised.requests.length ? `<li>… and ${revised.count - revised.requests.length} more</li>` : ''}</ul>`);
  }
  out.push(`<p class="summary"><b>${tot.requests}</b> requests, <b>${tot.failed}</b> failed (${pct(tot.failed_rate)}), <span class="${tot.silent ? 'bad' : ''}">${tot.silent} silent — silent-drop rate ${pct(tot.silent_rate)}</span></p>`);

  out.push('<h2 id="verdicts">Verdicts</h2>');
  out.push(table(['verdict', 'count', 'share', 'layer', 'evidence'], tot.verdicts.filter((v) => v.count > 0).map((v) =>
    [`<i style="display:inline-block;width:10px;height:10px;background:${VERDICT_COLORS[v.id]}"></i> ${esc(v.id)}`, String(v.count), pct(v.share), esc(v.layer), esc(levelCounts(v.evidence))]), [1, 2]));
  const flags = tot.flags.filter((f) => f.count > 0);
  if (flags.length) out.push(table(['flag', 'count', 'share', 'evidence'], flags.map((f) => [esc(f.id), String(f.count), pct(f.share), esc(levelCounts(f.evidence))]), [1, 2]));
  out.push(renderOverTime(m, o.zone));

  out.push('<h2 id="endpoints">Endpoints by harm (failed + wasted work)</h2>');
  out.push(m.endpoints.length === 0 ? '<p>No request failed or wasted work.</p>' : table(['endpoint', 'requests', 'failed', 'silent', 'wasted', 'example'],
    m.endpoints.map((e) => [`<code>${s(e.endpoint)}</code>`, String(e.requests), String(e.failed), String(e.silent), String(e.wasted), e.example ? ref(e.example) : '']), [1, 2, 3, 4]));

  out.push('<h2 id="fingerprints">Timeout fingerprints</h2>');
  out.push(renderHistogram(m));
  const fps = m.fingerprints.flatMap((f) => f.clusters.map((c) => ({ f, c })));
  out.push(fps.length === 0 ? '<p>No pile-up at a single duration among failed requests.</p>' : table(['verdict', 'at', 'range', 'requests', 'likely clock', 'user agents', 'examples'],
    fps.map(({ f, c }) => [esc(f.verdict), `${c.center_s} s`, `${c.low_s}–${c.high_s} s`, `${c.count} of ${f.durations}`, esc(c.knob),
      c.user_agents.map((u) => `<code>${s(u.agent)}</code> (${u.count})`).join('<br>'), c.examples.slice(0, 3).map(ref).join('<br>')])));

  out.push('<h2 id="workers">Worker incidents</h2>');
  if (m.worker_incidents.length === 0) out.push('<p>None in the logs.</p>');
  for (const i of m.worker_incidents) {
    const evidence = incidentEvidenceText(i);
    const items = [
      ...(evidence !== null ? [esc(evidence)] : []),
      ...(i.blocker ? [`blocking request: ${ref(i.blocker.request)}: ${esc(i.blocker.why)}${esc(supportNote(i.blocker_evidence))}`] : []),
      ...(!i.blocker && i.blocker_candidates.length > 0
        ? [`${esc(blockerUnknownText(i.blocker_evidence, i.blocker_candidates.length))}<ul>${i.blocker_candidates.slice(0, LISTED).map((r) => `<li>candidate: ${ref(r)}</li>`).join('')}</ul>`] : []),
      ...i.died.slice(0, LISTED).map((d) => `died with it: ${ref(d)}`),
      ...(i.died_count > LISTED ? [`… and ${i.died_count - LISTED} more died with it`] : []),
      ...i.retried.slice(0, LISTED).map((r) => `retried onto <code>${s(r.next_addr)}</code>: ${ref(r.request)}`),
      ...(i.retried_count > LISTED ? [`… and ${i.retried_count - LISTED} more retried onto other workers`] : []),
      ...(i.replaced_by ? [`replaced by pid ${i.replaced_by.pid ?? '?'} at ${t(i.replaced_by.time)} <span class="muted">${s(i.replaced_by.source)}</span>`] : []),
    ];
    out.push(`<div class="card"><b>${t(i.time)}</b> <span class="bad">${esc(incidentEventText(i))}</span> pid ${i.worker_pid ?? '?'}${i.signal !== null ? ` signal ${i.signal}` : ''} — <code>${s(i.message)}</code> <span class="muted">${s(i.source)}</span><ul>${items.map((x) => `<li>${x}</li>`).join('')}</ul></div>`);
  }

  if (m.restarts.length > 0) {
    out.push('<h2 id="restarts">Restarts</h2>');
    out.push(`<ul>${m.restarts.map((w) => `<li>${esc(restartText(w, t))} <span class="muted">${s(w.stop.source)} → ${s(w.start.source)}</span><ul>${w.requests.slice(0, 5).map((r) => `<li>${ref(r)}</li>`).join('')}</ul></li>`).join('')}</ul>`);
  }

  out.push('<h2 id="wasted">Wasted work</h2>');
  const ww = m.wasted_work;
  out.push(ww.requests === 0 ? '<p>None seen.</p>' : `<p>${ww.requests} handler(s) ran <b>${ww.total_s.toFixed(1)} s</b> after nobody was waiting.</p>` +
    table(['endpoint', 'requests', 'wasted'], ww.by_endpoint.map((e) => [`<code>${s(e.endpoint)}</code>`, String(e.requests), `${e.wasted_s.toFixed(1)} s`]), [1, 2]) +
    `<ul>${ww.top.slice(0, 5).map((r) => `<li>${r.wasted_s.toFixed(1)} s wasted: ${ref(r)}</li>`).join('')}</ul>`);

  out.push('<h2 id="stalls">Event-loop stalls</h2>');
  out.push(m.stalls.length === 0 ? '<p>None seen.</p>' : `<ul>${m.stalls.map((st) => {
    const who = st.blocker ? ref(st.blocker) : st.blocker_app ? `<code>${s(st.blocker_app.method)} ${s(st.blocker_app.path)}</code> (app only, ${s(st.blocker_app.source)})` : 'unknown';
    return `<li>pid ${st.pid ?? '?'}, ${t(st.from)} → ${t(st.to)}: ${st.victim_count} request(s) stalled behind ${who}<ul>${st.victims.slice(0, 5).map((v) => `<li>${ref(v)}</li>`).join('')}</ul></li>`;
  }).join('')}</ul>`);

  out.push('<h2 id="races">Keep-alive races</h2>');
  const races = m.keepalive_races;
  if (races.count === 0 && races.possible.count === 0) out.push('<p>None seen.</p>');
  if (races.count > 0) out.push(`<p>${races.count} request(s) failed on a reused upstream connection the app had just closed (inferred from attempt timing).</p><ul>${races.requests.slice(0, 10).map((r) => `<li>${ref(r)}</li>`).join('')}</ul>`);
  if (races.possible.count > 0) {
    out.push(`<p><b>Could be a keep-alive race — add <code>$upstream_connect_time</code>:</b> ${esc(possibleRacesText(races.possible.count, races.possible.missing))}</p><ul>${races.possible.requests.slice(0, 10).map((r) => `<li>${ref(r)}</li>`).join('')}</ul>`);
  }

  out.push('<h2 id="recommendations">Recommendations</h2>');
  out.push(`<p class="muted">Read from ${esc(m.chain_model.origin_note)}.</p>`);
  if (m.recommendations.length === 0) out.push('<p>Nothing to change on this evidence.</p>');
  out.push(`<ol>${m.recommendations.map((r) => `<li><b>${esc(r.title)}</b><p>${esc(r.detail)}</p>${r.changes.length ? `<ul>${r.changes.map((ch) => `<li>${s(changeText(ch))}</li>`).join('')}</ul>` : ''}${r.lines.length ? `<pre>${r.lines.map(esc).join('\n')}</pre>` : ''}<ul>${r.evidence.map((e) => `<li>${ref(e)}</li>`).join('')}</ul></li>`).join('')}</ol>`);

  if (m.timeline) {
    out.push('<h2 id="timeline">Incident timeline</h2>');
    out.push(m.timeline.entries.length === 0 ? '<p>Nothing failed in the window.</p>' : table(['time', 'layer', 'what', 'source'],
      m.timeline.entries.map((e) => [t(e.time), esc(e.layer), s(e.what), `<span class="muted">${s(e.source)}</span>`])));
    if (m.timeline.truncated) out.push('<p class="muted">(cut: narrow --from/--to for the rest)</p>');
  }

  if (m.chain) {
    out.push(`<h2 id="chain">Timeout chain (${m.chain.snapshots} audit snapshot${m.chain.snapshots === 1 ? '' : 's'})</h2>`);
    out.push('<ul>');
    for (const d of m.chain.directives) out.push(`<li><code>${esc(d.verdict)}</code> pile at ${d.center_s} s = ${esc(d.directive)}</li>`);
    for (const ch of m.chain.changes) {
      out.push(`<li><b>${esc(`${ch.layer} ${ch.setting}`)}</b> ${esc(ch.server)} ${esc(ch.location)}: ${esc(ch.from)} → ${esc(ch.to)} between ${esc(ch.since)} and ${esc(ch.at)} (${esc(ch.to_source)}); failed before ${ch.before.failed}/${ch.before.requests}, after ${ch.after.failed}/${ch.after.requests}</li>`);
    }
    if (m.chain.changes.length === 0) out.push('<li>No clock changed between snapshots.</li>');
    out.push('</ul>');
  }
  out.push('<h2 id="gaps">What the logs cannot tell</h2>');
  if (m.gaps.length === 0) out.push('<p>The inputs carry everything droptrace uses.</p>');
  for (const g of m.gaps) out.push(`<div class="card"><b>${esc(g.what)}</b>: ${esc(g.why)}<pre>${g.fix.map(esc).join('\n')}</pre></div>`);

  out.push('<h2 id="inputs">Inputs</h2>');
  out.push(table(['file', 'type', 'records', 'rejected'], m.inputs.map((f) => [`<code>${s(f.path)}</code>`, esc(f.type), String(f.records), String(f.rejected)]), [2, 3]));
  const problems = m.inputs.filter((f) => f.problem !== null);
  if (problems.length > 0) out.push(`<p><b>Gave nothing:</b></p><ul>${problems.map((f) => `<li><code>${s(f.path)}</code>: ${esc(f.problem ?? '')}</li>`).join('')}</ul>`);
  out.push('</body></html>\n');
  return out.join('\n');
}

function renderHistogram(m: ReportModel): string {
  const h = m.histogram;
  if (h.bins.length === 0) return '<p class="muted">No failed request with a known duration.</p>';
  const verdicts = VERDICTS.filter((v) => h.bins.some((b) => (b.counts[v.id] ?? 0) > 0)).map((v) => v.id);
  const xMax = h.bins[h.bins.length - 1]!.start_s + h.bin_s;
  const markers = m.fingerprints.flatMap((f) => f.clusters.map((c) => ({ x: Math.floor(c.center_s / h.bin_s + 1e-9) * h.bin_s, label: `${c.center_s} s ${f.verdict} ×${c.count}` })));
  return renderStackedBars({
    title: `Failed requests by duration (${h.bin_s} s bins); dashed: timeout fingerprints`,
    bars: h.bins.map((b) => ({ x: b.start_s, segments: verdicts.map((v) => ({ key: v, value: b.counts[v] ?? 0 })), title: `${b.start_s} s` })),
    xMin: 0, xMax, barWidth: h.bin_s, colors: VERDICT_COLORS, xTicks: ticks(0, xMax), xLabel: (x) => `${x} s`, markers,
  }) + renderLegend(verdicts, VERDICT_COLORS);
}

function renderOverTime(m: ReportModel, zone: string): string {
  const ot = m.over_time;
  if (ot.buckets.length === 0) return '';
  const x0 = Date.parse(ot.buckets[0]!.start);
  const size = secondsToMs(ot.bucket_s);
  const xMax = Date.parse(ot.buckets[ot.buckets.length - 1]!.start) + size;
  const step = Math.max(1, Math.ceil(ot.buckets.length / 8));
  const xTicks = ot.buckets.filter((_, i) => i % step === 0).map((b) => Date.parse(b.start));
  const label = (x: number) => formatTime(isoUtc(x), zone).slice(ot.bucket_s >= 86400 ? 0 : 11, ot.bucket_s >= 86400 ? 10 : 16);
  const verdicts = VERDICTS.filter((v) => ot.buckets.some((b) => (b.counts[v.id] ?? 0) > 0)).map((v) => v.id);
  const layers = Object.keys(LAYER_COLORS).filter((l) => ot.buckets.some((b) => (b.failed_by_layer[l] ?? 0) > 0));
  const verdictChart = renderStackedBars({
    title: `Verdicts over time (${ot.bucket_s} s buckets)`, xMin: x0, xMax, barWidth: size, colors: VERDICT_COLORS, xTicks, xLabel: label,
    bars: ot.buckets.map((b) => ({ x: Date.parse(b.start), segments: verdicts.map((v) => ({ key: v, value: b.counts[v] ?? 0 })), title: formatTime(b.start, zone) })),
    height: 220,
  }) + renderLegend(verdicts, VERDICT_COLORS);
  const layerChart = layers.length === 0 ? '' : renderStackedBars({
    title: 'Failures per layer whose clock fired', xMin: x0, xMax, barWidth: size, colors: LAYER_COLORS, xTicks, xLabel: label,
    bars: ot.buckets.map((b) => ({ x: Date.parse(b.start), segments: layers.map((l) => ({ key: l, value: b.failed_by_layer[l] ?? 0 })), title: formatTime(b.start, zone) })),
    height: 200,
  }) + renderLegend(layers, LAYER_COLORS);
  return verdictChart + layerChart;
}
