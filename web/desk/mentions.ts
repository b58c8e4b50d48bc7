// The note composer's @mentions as pure functions: what is being typed
// after an @, the agents it matches, and the mentions left in the text.
// Only the note composer (Note.tsx, a chunk of its own) uses them.

/** The "@…" being typed just before the caret (its start and the text after @), if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(?:^|[\s(])@([\p{L}\p{N}._ -]{0,30})$/u.exec(before);
  if (!m) return null;
  const query = m[1];
  // A name has one space at most ("Ana Lima"): a second means the mention is done.
  if ((query.match(/ /g)?.length ?? 0) > 1 || /^\s/.test(query)) return null;
  return { start: caret - query.length - 1, query };
}

/** A name a mention may pick: an agent, or every supervisor online. */
export interface Mentionable {
  id: string;
  name: string;
}

/** The mentionables whose name starts (a word of it) with query, at most limit. */
export function matchMentions(all: readonly Mentionable[], query: string, limit = 6): Mentionable[] {
  const q = query.trim().toLowerCase();
  return all.filter((a) => !q || a.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || a.name.toLowerCase().startsWith(q)).slice(0, limit);
}

/** Puts "@name " in place of the "@query" at start, returning the text and the caret after it. */
export function insertMention(text: string, start: number, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}

/** The ids of the picked mentions whose "@name" is still in the text. */
export function mentionsIn(text: string, picked: readonly Mentionable[]): string[] {
  const ids: string[] = [];
  for (const p of picked) if (text.includes(`@${p.name}`) && !ids.includes(p.id)) ids.push(p.id);
  return ids;
}
