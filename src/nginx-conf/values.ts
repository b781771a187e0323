/**
 * nginx's own value parsers, as strict as nginx.conf needs them (the CLI's duration flags use the
 * more lenient time.ts). Each returns the reason a value is refused, or null when nginx takes it:
 * - time (ngx_parse_time): digits with units from largest to smallest, each once; `ms` only where
 *   milliseconds are meant (the *_timeout msec settings), `y`/`M` only where seconds are; a bare
 *   number means seconds; no fractions (`1.5s` is refused); spaces only between parts (`"1m 30s"`).
 * - size (ngx_parse_size): digits with an optional k/K or m/M; offset (ngx_parse_offset) adds g/G.
 * - number (ngx_atoi): digits only. flag: on or off, any case.
 */
const MSEC_UNITS = ['w', 'd', 'h', 'm', 's', 'ms'] as const;
const SEC_UNITS = ['y', 'M', 'w', 'd', 'h', 'm', 's'] as const;

export function timeProblem(text: string, unit: 'msec' | 'sec'): string | null {
  const units: readonly string[] = unit === 'msec' ? MSEC_UNITS : SEC_UNITS;
  const parts = [...text.matchAll(/(\d+)(ms|[yMwdhms])?( *)/gy)];
  const consumed = parts.reduce((n, m) => n + m[0].length, 0);
  const example = unit === 'msec' ? '30s, 500ms, 1m30s' : '30s, 1h, 1d';
  if (parts.length === 0 || consumed !== text.length) {
    const bad = [...text.matchAll(/\d+([^\d ]+)/g)].map((m) => m[1] as string).find((u) => !units.includes(u));
    const why = !/\d/.test(text)
      ? 'it has no number (a unit goes right after its number: 65s)'
      : /\d\.\d/.test(text)
        ? 'nginx takes no fractions'
        : bad !== undefined
          ? `"${bad}" is not a unit (${units.join(', ')})`
          : 'not a time';
    return `"${text}" is not an nginx time: ${why}; write e.g. ${example}`;
  }
  let last = -1;
  for (const [i, m] of parts.entries()) {
    const suffix = m[2];
    // A bare number ends the units: "1 30" is 31 seconds to nginx, "1 30s" is refused.
    if (suffix === undefined) {
      if (i === parts.length - 1) continue;
      if (m[3] === '') return `"${text}": a number without a unit must come last`;
    }
    const rank = suffix === undefined ? units.length : units.indexOf(suffix);
    if (rank < 0) return `"${text}": "${suffix ?? ''}" is not a unit here (${units.join(', ')})${unit === 'sec' && suffix === 'ms' ? ': this setting counts whole seconds' : ''}`;
    if (rank <= last) return `"${text}": units must go from largest to smallest, each once`;
    last = rank;
  }
  return null;
}

export function sizeProblem(text: string, offset: boolean): string | null {
  const re = offset ? /^\d+[kKmMgG]?$/ : /^\d+[kKmM]?$/;
  return re.test(text) ? null : `"${text}" is not an nginx size: write digits with an optional ${offset ? 'k, m or g' : 'k or m'} (e.g. 1m, 64k)`;
}

export const numberProblem = (text: string): string | null => (/^\d+$/.test(text) ? null : `"${text}" is not a whole number`);

export const flagProblem = (text: string): string | null => (/^(on|off)$/i.test(text) ? null : `it must be "on" or "off"`);

/** enum and bitmask values compare without case, as ngx_strcasecmp does. */
export const oneOfProblem = (text: string, allowed: readonly string[]): string | null =>
  allowed.some((a) => a.toLowerCase() === text.toLowerCase()) ? null : `it must be one of ${allowed.join(', ')}`;

/** proxy_pass: a URL with variables is resolved per request; a literal one needs its scheme. */
export const proxyUrlProblem = (text: string): string | null =>
  /\$/.test(text) || /^https?:\/\//i.test(text) ? null : `"${text}" has no http:// or https:// in front`;
