/**
 * Notes about what the loader accepted without reading (third-party directives, directives newer
 * nginx dropped): one line per kind, citing where, so a config with 200 `more_set_headers` says so once.
 */
export interface NoteHit {
  /** Hits with the same key are one note. */
  readonly key: string;
  readonly text: string;
  /** file:line */
  readonly where: string;
}

const SHOWN = 3;

export function buildNotes(hits: readonly NoteHit[]): string[] {
  const byKey = new Map<string, { text: string; where: string[] }>();
  for (const h of hits) {
    const entry = byKey.get(h.key) ?? { text: h.text, where: [] };
    entry.where.push(h.where);
    byKey.set(h.key, entry);
  }
  return [...byKey.values()].map(({ text, where }) => {
    const more = where.length > SHOWN ? ` and ${where.length - SHOWN} more` : '';
    return `${text} (${where.slice(0, SHOWN).join(', ')}${more})`;
  });
}
