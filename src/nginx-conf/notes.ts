/**
 * Notes about what the loader accepted without reading (third-party directives, directives newer
 * nginx dropped): one line per module or kind, naming each directive once and citing where, so an
 * OpenResty config with 200 Lua directives says so in one line.
 */
export interface NoteHit {
  /** Hits with the same key are one note (a module, or "unknown in nginx -T output"). */
  readonly key: string;
  /** The directive name. */
  readonly subject: string;
  /** The note, with `{subjects}` for the quoted names, `{this}` for "this directive" / "these directives", `{it}` for it / them. */
  readonly text: string;
  /** file:line */
  readonly where: string;
}

const SHOWN = 3;

export function buildNotes(hits: readonly NoteHit[]): string[] {
  const byKey = new Map<string, { text: string; subjects: Set<string>; where: string[] }>();
  for (const h of hits) {
    const entry = byKey.get(h.key) ?? { text: h.text, subjects: new Set(), where: [] };
    entry.subjects.add(h.subject);
    entry.where.push(h.where);
    byKey.set(h.key, entry);
  }
  return [...byKey.values()].map(({ text, subjects, where }) => {
    const more = where.length > SHOWN ? ` and ${where.length - SHOWN} more` : '';
    const names = [...subjects].map((s) => `"${s}"`).join(', ');
    const one = subjects.size === 1;
    const said = text.replace('{subjects}', names).replaceAll('{this}', one ? 'this directive' : 'these directives').replaceAll('{it}', one ? 'it' : 'them');
    return `${said} (${where.slice(0, SHOWN).join(', ')}${more})`;
  });
}
