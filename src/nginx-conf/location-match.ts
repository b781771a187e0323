/**
 * Which location nginx picks for a URI (the probe names the directives of the location its URL
 * hits): exact `=` first; then the longest prefix, which wins outright with `^~`; otherwise the
 * first matching regex in config order; otherwise that longest prefix.
 */
import type { Location } from './model.js';

export function selectLocation(locations: readonly Location[], uri: string): Location | undefined {
  const top = locations.filter((l) => l.modifier !== '@');
  const exact = top.find((l) => l.modifier === '=' && l.uri === uri);
  if (exact) return exact;
  let prefix: Location | undefined;
  for (const l of top) {
    if ((l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.uri) && l.uri.length > (prefix?.uri.length ?? -1)) prefix = l;
  }
  if (prefix?.modifier === '^~') return prefix;
  for (const l of top) {
    if (l.modifier !== '~' && l.modifier !== '~*') continue;
    try {
      // PCRE named groups (?<name>…) and (?P<name>…) → JS syntax; good enough to pick a location.
      const re = new RegExp(l.uri.replace(/\(\?P</g, '(?<'), l.modifier === '~*' ? 'i' : '');
      if (re.test(uri)) return l;
    } catch {
      continue;
    }
  }
  return prefix;
}
