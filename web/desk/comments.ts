// Comments (agents' private notes in a conversation, docs/protocol.md
// "Comments and the inbox") as pure functions: the history as it reads
// after edits and deletes, and the Markdown-lite of their text. The
// composer's @mentions are mentions.ts (the note composer's chunk).
import type { Message } from '../shared/protocol';

/** A comment as the history shows it now. */
export interface Revision {
  body: string;
  edited: boolean;
  deleted: boolean;
}

/**
 * revise applies each comment_edited / comment_deleted event to the
 * comment it names and drops the events themselves: a desk that resumed
 * from a seq holds the comment as first sent and the events after it.
 * A comment read later from the server is already revised in place
 * (meta.edited_at, meta.deleted).
 */
export function revise(messages: readonly Message[]): { shown: Message[]; revisions: ReadonlyMap<string, Revision> } {
  const revisions = new Map<string, Revision>();
  const shown: Message[] = [];
  for (const m of messages) {
    const ev = m.meta?.event;
    if (m.kind === 'system' && (ev === 'comment_edited' || ev === 'comment_deleted')) {
      const id = String(m.meta?.message_id ?? '');
      revisions.set(id, { body: String(m.meta?.body ?? ''), edited: true, deleted: ev === 'comment_deleted' });
      continue;
    }
    shown.push(m);
    if (m.kind === 'comment' && !revisions.has(m.id) && (m.meta?.edited_at || m.meta?.deleted)) {
      revisions.set(m.id, { body: m.body, edited: true, deleted: m.meta?.deleted === true });
    }
  }
  return { shown, revisions };
}

/** A run of Markdown-lite: text, or text that is bold, italic, code, a link or a mention. */
export type Span =
  | { t: 'text'; s: string }
  | { t: 'b' | 'i'; c: Span[] }
  | { t: 'code'; s: string }
  | { t: 'a'; href: string; s: string }
  | { t: 'mention'; s: string };

// The Markdown-lite a comment may use, one construct per alternative:
// `code`, **bold**, *italics* or _italics_, [text](url) and a bare URL.
// Links are http(s) or mailto only: nothing else becomes an href.
// Nothing is ever rendered as HTML.
const INLINE =
  /`([^`\n]+)`|\*\*([^*\n]+?)\*\*|(?<![\w*])\*([^*\s][^*\n]*?)\*(?![\w*])|(?<!\w)_([^_\s][^_\n]*?)_(?!\w)|\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)|\b(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

/**
 * parseInline reads Markdown-lite into spans (bold and italics may hold
 * the others). names are those the comment mentions: each "@name" of
 * them is a mention span (a name may have spaces, so only known ones
 * are marked).
 */
export function parseInline(text: string, names: readonly string[] = [], depth = 0): Span[] {
  const out: Span[] = [];
  let at = 0;
  const push = (s: string) => {
    for (const part of mentioned(s, names)) {
      const last = out.at(-1);
      if (part.t === 'text' && last?.t === 'text') last.s += part.s;
      else if (part.s) out.push(part);
    }
  };
  for (const m of text.matchAll(INLINE)) {
    const i = m.index ?? 0;
    push(text.slice(at, i));
    at = i + m[0].length;
    const [, code, bold, star, under, label, href, bare] = m;
    if (code !== undefined) out.push({ t: 'code', s: code });
    else if (bold !== undefined) out.push(depth < 2 ? { t: 'b', c: parseInline(bold, names, depth + 1) } : { t: 'text', s: bold });
    else if (star !== undefined || under !== undefined) {
      const inner = star ?? under ?? '';
      out.push(depth < 2 ? { t: 'i', c: parseInline(inner, names, depth + 1) } : { t: 'text', s: inner });
    } else if (label !== undefined && href !== undefined) out.push({ t: 'a', href, s: label });
    else if (bare !== undefined) out.push({ t: 'a', href: bare, s: bare });
  }
  push(text.slice(at));
  return out;
}

/** Splits plain text at each "@name" of names (the longest first). */
function mentioned(text: string, names: readonly string[]): ({ t: 'text'; s: string } | { t: 'mention'; s: string })[] {
  const tokens = names.filter(Boolean).map((n) => `@${n}`).sort((a, b) => b.length - a.length);
  const out: ({ t: 'text'; s: string } | { t: 'mention'; s: string })[] = [];
  let rest = text;
  for (;;) {
    let best = -1;
    let token = '';
    for (const t of tokens) {
      const i = rest.indexOf(t);
      if (i >= 0 && (best < 0 || i < best)) [best, token] = [i, t];
    }
    if (best < 0) break;
    out.push({ t: 'text', s: rest.slice(0, best) }, { t: 'mention', s: token });
    rest = rest.slice(best + token.length);
  }
  out.push({ t: 'text', s: rest });
  return out;
}

/** The text of Markdown-lite without its marks (a toast, an inbox line). */
export function plain(text: string): string {
  const flat = (spans: Span[]): string => spans.map((s) => ('c' in s ? flat(s.c) : s.s)).join('');
  return flat(parseInline(text));
}
