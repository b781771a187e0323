/**
 * Which preset an nginx access log without `--log-format` was written in: the one that parses the
 * most of its first lines (GoAccess's approach of trying its presets on a snippet). A log that no
 * preset fits is reported with the fix, never parsed line by line into rejects.
 */
import { PRESETS, PRESET_NAMES } from '../../parsers/nginx-access/presets.js';
import { createNginxAccessParser } from '../../parsers/nginx-access/parse.js';

export type AccessFormatChoice =
  | { readonly ok: true; readonly name: string; readonly format: string; readonly parsed: number; readonly of: number }
  | { readonly ok: false; readonly reason: string };

/** Of the head lines, more than this share must parse for a preset to be believed. */
const MIN_SHARE = 0.5;

/** `insist`: the user said --type nginx-access, so the best preset is used however few lines it parses. */
export function chooseAccessPreset(headLines: readonly string[], tz: string, insist = false): AccessFormatChoice {
  const lines = headLines.filter((l) => l.trim() !== '').slice(0, 50);
  let best: { name: string; parsed: number } | null = null;
  for (const name of PRESET_NAMES) {
    const parse = createNginxAccessParser({ tz, format: PRESETS[name] });
    let parsed = 0;
    for (const l of lines) if (parse(l).kind === 'record') parsed++;
    // Presets are ordered plain → richer; a richer one wins only by parsing more.
    if (!best || parsed > best.parsed) best = { name, parsed };
  }
  if (best && (insist || (lines.length > 0 && best.parsed > lines.length * MIN_SHARE))) {
    return { ok: true, name: best.name, format: PRESETS[best.name as keyof typeof PRESETS], parsed: best.parsed, of: lines.length };
  }
  return {
    ok: false,
    reason: `it looks like an nginx access log, but no preset (${PRESET_NAMES.join(', ')}) parses its first lines (best: ${best?.name ?? '-'}, ${best?.parsed ?? 0} of ${lines.length}); pass its log_format with --log-format '…', or --log-format-name NAME --nginx-conf /etc/nginx/nginx.conf`,
  };
}
