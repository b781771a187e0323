/**
 * The nginx access format of a file: its `log_format` string and its `escape=` mode, one value. They
 * are decided together (a flag, a named format in nginx.conf, or the preset that parses the file's
 * first lines), travel together to the parser, and are stored together in `files.format`, so a
 * resumed file is read again exactly as it was first read.
 */
import { PRESETS, PRESET_NAMES, presetAccessFormat, type PresetName } from '../../parsers/nginx-access/presets.js';
import { createNginxAccessParser } from '../../parsers/nginx-access/parse.js';
import type { AccessFormat, EscapeMode } from '../../parsers/nginx-access/compile.js';
import { NGINX_ACCESS_CUSTOM_SHAPE } from '../../parsers/nginx-access/shape.js';
import { suggestNginxLogFormat } from '../../parsers/nginx-access/suggest-format.js';

export type { AccessFormat };

const ESCAPE_PREFIX = /^\s*escape=(default|json|none)\s+/;

/**
 * A format as a user types it after `--log-format`, or as `files.format` stores it: an optional
 * `escape=json ` (or `escape=none `, `escape=default `) before the format string.
 */
export function parseAccessFormat(text: string): AccessFormat {
  const m = ESCAPE_PREFIX.exec(text);
  return m ? { format: text.slice(m[0].length), escape: m[1] as EscapeMode } : { format: text, escape: 'default' };
}

/** What `files.format` stores: the format string, with `escape=MODE ` in front unless the mode is the default. */
export function serializeAccessFormat(f: AccessFormat): string {
  return f.escape === 'default' ? f.format : `escape=${f.escape} ${f.format}`;
}

export type AccessFormatChoice =
  | { readonly ok: true; readonly name: string; readonly access: AccessFormat; readonly parsed: number; readonly of: number }
  | { readonly ok: false; readonly reason: string };

/** Of the head lines, more than this share must parse for a preset to be believed. */
const MIN_SHARE = 0.5;

/**
 * Which preset an nginx access log without `--log-format` was written in: the one that parses the
 * most of its first lines (GoAccess's approach of trying its presets on a snippet). A log that no
 * preset fits is reported with the fix, never parsed line by line into rejects.
 * `insist`: the user said --type nginx-access, so the best preset is used however few lines it parses
 * (a damaged log of a preset keeps its good lines and says which are bad) — except when the lines are
 * nginx access lines in a custom log_format: --type vouches for the layer, not for a preset, and a
 * preset would turn every line into the same reject instead of the one reason and hint that say it.
 */
export function chooseAccessPreset(headLines: readonly string[], tz: string, insist = false): AccessFormatChoice {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 50);
  let best: { name: PresetName; parsed: number } | null = null;
  for (const name of PRESET_NAMES) {
    const parse = createNginxAccessParser({ tz, format: PRESETS[name] });
    let parsed = 0;
    for (const l of lines) if (parse(l).kind === 'record') parsed++;
    // Presets are ordered plain → richer; a richer one wins only by parsing more.
    if (!best || parsed > best.parsed) best = { name, parsed };
  }
  const believed = lines.length > 0 && best !== null && best.parsed > lines.length * MIN_SHARE;
  if (best && (believed || (insist && !inCustomFormat(lines)))) {
    return { ok: true, name: best.name, access: presetAccessFormat(best.name), parsed: best.parsed, of: lines.length };
  }
  return {
    ok: false,
    reason: `it looks like an nginx access log, but no preset (${PRESET_NAMES.join(', ')}) parses its first lines (best: ${best?.name ?? '-'}, ${best?.parsed ?? 0} of ${lines.length}); pass its log_format with --log-format '…', or --log-format-name NAME --nginx-conf /etc/nginx/nginx.conf`,
  };
}

/** Why an nginx access log was not read, and (when one is honest) a suggested log_format to check. */
export interface UnreadAccessLog {
  readonly reason: string;
  readonly hint: string | null;
}

/**
 * An nginx access log no preset reads is not read with a guessed format: the reason says what the
 * lines look like and what to pass; the hint, a log_format built from the first line with `?` for
 * the values no shape names, labelled as a guess (parsers/nginx-access/suggest-format.ts checks its
 * skeleton reads the sample before it is offered).
 */
export function unreadAccessLog(headLines: readonly string[], presetReason: string): UnreadAccessLog {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 50);
  const custom = customShaped(lines);
  const reason = inCustomFormat(lines)
    ? `its lines look like nginx access lines in a custom log_format (${custom} of the first ${lines.length}: a quoted "$request" and a $status, ` +
      `no [$time_local] of a preset); droptrace does not guess a format: pass --log-format '<the log_format from nginx.conf>', ` +
      'or --nginx-conf FILE --log-format-name NAME'
    : presetReason;
  const s = suggestNginxLogFormat(lines);
  const hint = s === null ? null
    : `a GUESS from its first line, to check against the log_format in nginx.conf (each ? is a value droptrace cannot name; ` +
      `the guess reads ${s.reads} of ${s.of} sampled lines): --log-format '${s.format}'`;
  return { reason, hint };
}

/** Head lines with the shape of an nginx access line in a log_format no preset has ("$request" then $status, no CLF time). */
const customShaped = (lines: readonly string[]): number => lines.filter((l) => NGINX_ACCESS_CUSTOM_SHAPE.test(l)).length;

/** Most of the (non-empty) head lines have that shape. */
const inCustomFormat = (lines: readonly string[]): boolean => lines.length > 0 && customShaped(lines) > lines.length / 2;
