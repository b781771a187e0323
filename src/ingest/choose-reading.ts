/**
 * A new file's first lines → the reading it is ingested under. Every delivery reading whose wrapper
 * matches some of the lines is tried (and the lines as they are): under each, the stream names are
 * placed (`--layer-of`, else their own lines' signature), the main layer is detected (or taken from
 * `--type`), the access format chosen, and the head parsed. The reading under which most lines parse
 * wins; on a tie the one whose wrapper took more lines (its time and names are kept). So a log_format
 * that starts with `$time_iso8601` is never mistaken for `docker logs -t`: under that reading the
 * lines stop parsing.
 */
import { READINGS, WRAPPER_BY_ID, type WrapperId } from '../../parsers/delivery/wrappers.js';
import { createUnwrapContext, unwrapWith, type Delivered } from '../../parsers/delivery/unwrap.js';
import { createNginxAccessParser } from '../../parsers/nginx-access/parse.js';
import { NGINX_ERROR_SHAPE, hasErrorLogTime } from '../../parsers/nginx-error/shape.js';
import { detectSource, needsZone, type SourceType } from './detect.js';
import { chooseAccessPreset, unreadAccessLog, type AccessFormat, type UnreadAccessLog } from './access-format.js';
import { createLineReader } from './line-reader.js';
import { groupOf, layerOfName, type FileReading, type LayerGroup } from './reading.js';

export interface ReadingChoiceOptions {
  readonly type: SourceType | 'auto';
  readonly tz: string;
  /** `--log-format`: the access format the user declared. */
  readonly access: AccessFormat | null;
  readonly layerOf: Readonly<Record<string, LayerGroup>>;
  /** Now, for the year of syslog times (tests pin it). */
  readonly nowMs?: number;
}

export type ReadingChoice =
  | {
      readonly ok: true;
      readonly reading: FileReading;
      readonly year: number;
      readonly zoneNeeded: boolean;
      /** How it was decided, for the summary. */
      readonly decided: string;
      /**
       * A stream of several whose nginx stream is in a log_format no preset reads: the other streams are
       * read, that one's lines become rejects, and this says why once, with the suggested format.
       */
      readonly unreadAccess?: UnreadAccessLog;
    }
  | {
      readonly ok: false;
      readonly type: SourceType | null;
      readonly reason: string;
      readonly decided: string;
      /** An nginx access log no preset reads: a suggested log_format, labelled as a guess. */
      readonly hint?: string;
    };

const HEAD_LINES = 200;

export function chooseReading(headLines: readonly string[], o: ReadingChoiceOptions): ReadingChoice {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, HEAD_LINES);
  if (lines.length === 0) return { ok: false, type: null, reason: 'the file is empty', decided: 'empty input' };
  const year = syslogYear(lines, o.nowMs ?? Date.now());
  const ctx = createUnwrapContext(o.tz, year);
  let best: { choice: Extract<ReadingChoice, { ok: true }>; score: number; matched: number } | null = null;
  let firstFailure: Extract<ReadingChoice, { ok: false }> | null = null;
  for (const chain of [[] as readonly WrapperId[], ...READINGS]) {
    const delivered = lines.map((l) => unwrapWith(chain, l, ctx));
    const matched = delivered.filter((d) => d.matched === chain.length).length;
    if (chain.length > 0 && matched === 0) continue;
    const c = readingUnder(chain, delivered, o, year);
    if (!c.ok) {
      firstFailure ??= c;
      continue;
    }
    const reader = createLineReader(c.reading, { tz: o.tz, year, layerOf: o.layerOf });
    let score = 0;
    for (const l of lines) {
      for (const r of reader.read(l)) {
        if ((r.result.kind === 'record' && r.result.pattern !== 'unknown') || r.result.kind === 'continuation') score++;
      }
    }
    if (!best || score > best.score || (score === best.score && matched > best.matched)) best = { choice: c, score, matched };
  }
  if (best && best.score > 0) return best.choice;
  if (best && o.type !== 'auto') return best.choice; // declared: read it so, and let the rejects say why
  if (firstFailure) return firstFailure;
  if (best) return best.choice;
  return { ok: false, type: null, reason: 'no reading of its lines fits any layer', decided: 'auto' };
}

function readingUnder(chain: readonly WrapperId[], delivered: readonly Delivered[], o: ReadingChoiceOptions, year: number): ReadingChoice {
  const label = chain.length === 0 ? '' : `; delivered as ${chain.join(' + ')}`;
  // Stream names: each placed by a --layer-of rule, else by its own lines.
  const byName = new Map<string, string[]>();
  const nameless: string[] = [];
  for (const d of delivered) {
    if (d.name === null) nameless.push(d.text);
    else {
      let l = byName.get(d.name);
      if (!l) byName.set(d.name, (l = []));
      l.push(d.text);
    }
  }
  const names: Record<string, LayerGroup> = {};
  const nameTypes = new Map<string, SourceType>();
  for (const [name, texts] of byName) {
    const ruled = layerOfName(name, o.layerOf);
    if (ruled !== null) {
      names[name] = ruled;
      continue;
    }
    const d = detectSource(texts);
    if (d.type !== null) {
      names[name] = groupOf(d.type);
      nameTypes.set(name, d.type);
    }
  }
  const placedNames = Object.keys(names).length;
  // A single name (one container's `docker logs`, one unit's journal) is not a routing: its layer is the file's.
  const routing = byName.size > 1 || (byName.size === 1 && Object.keys(o.layerOf).length > 0);

  let main: SourceType | null = null;
  let variant: 'json' | 'ndjson' | 'text' | null = null;
  let reason = '--type';
  const innerAll = delivered.map((d) => d.text);
  const mainLines = nameless.filter((t) => t.trim() !== '').length > 0 ? nameless : innerAll;
  if (o.type !== 'auto') main = o.type;
  else if (o.access !== null && declaredFormatParses(o.access, mainLines, o.tz)) {
    main = 'nginx-access';
    reason = 'auto: --log-format parses its lines';
  } else {
    const d = detectSource(mainLines);
    main = d.type;
    variant = d.variant;
    reason = `auto: ${d.reason}`;
    if (main === null && routing && placedNames > 0) {
      // Every line carries a name: the layer with most lines stands for the file.
      const counts = new Map<SourceType, number>();
      for (const [n, t] of nameTypes) counts.set(t, (counts.get(t) ?? 0) + (byName.get(n)?.length ?? 0));
      main = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    }
  }
  if (main === null) {
    return { ok: false, type: null, reason: `cannot tell which layer wrote it (${reason.replace(/^auto: /, '')})`, decided: reason + label };
  }
  const groups = new Set<LayerGroup>([groupOf(main), ...Object.values(names)]);

  // nginx access lines: the declared format, JSON, or the preset that parses them.
  let access: FileReading['access'] = null;
  let unreadAccess: UnreadAccessLog | null = null;
  let decided = reason + label;
  if (groups.has('nginx')) {
    const accessLines = [
      ...(groupOf(main) === 'nginx' ? mainLines : []),
      ...[...byName].filter(([n]) => names[n] === 'nginx').flatMap(([, t]) => t),
    ].filter((t) => !NGINX_ERROR_SHAPE.test(t) && t.trim() !== '');
    if (o.access !== null) access = o.access;
    else if (variant === 'json' || (accessLines.length > 0 && accessLines.filter((t) => t.trimStart().startsWith('{')).length > accessLines.length / 2)) access = 'json';
    else if (accessLines.length > 0) {
      const choice = chooseAccessPreset(accessLines, o.tz, main === 'nginx-access' && o.type === 'nginx-access');
      if (choice.ok) {
        access = choice.access;
        decided += `; format ${choice.name} (${choice.parsed}/${choice.of} lines)`;
      } else if (main === 'nginx-access' && !routing) {
        const unread = unreadAccessLog(accessLines, choice.reason);
        return { ok: false, type: 'nginx-access', reason: unread.reason, decided, ...(unread.hint !== null ? { hint: unread.hint } : {}) };
      } else if (routing) {
        unreadAccess = unreadAccessLog(accessLines, choice.reason);
      }
    }
  }
  const firstApp = mainLines.find((t) => t.trim() !== '');
  const app: FileReading['app'] = variant === 'ndjson' || (variant === null && main === 'app' && firstApp?.trimStart().startsWith('{') === true) ? 'ndjson' : 'text';
  const reading: FileReading = { chain, main, access, app, names: routing ? names : {} };
  if (routing) decided += `; streams: ${Object.entries(names).map(([n, g]) => `${n}=${g}`).join(', ') || 'none placed'}`;
  const zoneNeeded = needsZone(main, main === 'app' ? app : access === 'json' ? 'json' : null, innerAll)
    || groups.has('nginx') && innerAll.some(hasErrorLogTime)
    || chain.some((w) => WRAPPER_BY_ID[w].time === 'syslog' || WRAPPER_BY_ID[w].time === 'local');
  return { ok: true, reading, year, zoneNeeded, decided, ...(unreadAccess !== null ? { unreadAccess } : {}) };
}

function declaredFormatParses(access: AccessFormat, lines: readonly string[], tz: string): boolean {
  let parse;
  try {
    parse = createNginxAccessParser({ tz, format: access.format, escape: access.escape });
  } catch {
    return false;
  }
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 50);
  return sample.length > 0 && sample.filter((l) => parse(l).kind === 'record').length > sample.length / 2;
}

/**
 * syslog and `journalctl -o short` print no year: take it from a date the lines themselves print,
 * else this year — last year when the month is still ahead of now (a December log read in January).
 */
export function syslogYear(lines: readonly string[], nowMs: number): number {
  for (const l of lines) {
    const m = /\b(\d{4})-\d{2}-\d{2}[ T]\d{2}:|\[\d{2}\/[A-Z][a-z]{2}\/(\d{4}):|^(\d{4})\/\d{2}\/\d{2} /.exec(l);
    const y = m ? Number(m[1] ?? m[2] ?? m[3]) : NaN;
    if (y >= 1990 && y <= 2200) return y;
  }
  const now = new Date(nowMs);
  const first = lines.map((l) => /(?:^|: )(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d /.exec(l)?.[1]).find((m) => m !== undefined);
  const month = first === undefined ? -1 : ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(first);
  return month > now.getUTCMonth() + 1 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
}
