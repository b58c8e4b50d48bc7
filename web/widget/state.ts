// The widget's state updates as pure functions: the state held and a frame
// in, the next state out. No signals, no DOM, no timers, no storage:
// store.ts calls these and assigns its signals; state.test.ts holds the rules.
import type { Conversation, Message, ServerEvent } from '../shared/protocol';

/** The conversation the panel shows, and how far the visitor has read it. */
export interface Thread {
  /** '' before the visitor's first message. */
  conversationId: string;
  /** It has ended: the panel offers a new chat. */
  closed: boolean;
  /** It is under way: the panel offers to end it. */
  active: boolean;
  /** The last seq the visitor has seen (for the unread badge). */
  seenSeq: number;
}

/** What a browser keeps of the seen mark between page loads. */
export interface SeenMark {
  conversation?: string;
  seq?: number;
}

/** No conversation yet, or a fresh start after one ended. */
export const NO_THREAD: Thread = { conversationId: '', closed: false, active: false, seenSeq: 0 };

/** Messages the visitor has not seen: from agents or the system, not hidden stubs, after seenSeq. */
export function unreadCount(messages: readonly Message[], seenSeq: number): number {
  return messages.filter((m) => m.kind !== 'hidden' && m.author_type !== 'visitor' && m.seq > seenSeq).length;
}

/** The welcome's conversation to show: the one shown before, else one that is not closed. */
export function pickConversation(list: readonly Conversation[], currentId: string): Conversation | undefined {
  return list.find((c) => c.id === currentId) ?? list.find((c) => c.status !== 'closed');
}

/**
 * Whether a conversation event concerns the panel: its conversation, or a
 * new live one while it shows none or a closed one (another tab started
 * one, or an agent invited the visitor to chat).
 */
export function concerns(t: Thread, c: Conversation): boolean {
  return c.id === t.conversationId || ((!t.conversationId || t.closed) && c.status !== 'closed');
}

/**
 * The panel shows c. Moving to another conversation takes the seen mark
 * stored for it (stored), or starts unread from 0.
 */
export function follow(t: Thread, c: Conversation, stored: SeenMark): Thread {
  const seenSeq = c.id === t.conversationId ? t.seenSeq : stored.conversation === c.id ? (stored.seq ?? 0) : 0;
  return { conversationId: c.id, closed: c.status === 'closed', active: c.status !== 'closed', seenSeq };
}

/** The seq the visitor has now seen (the last message's), or null when nothing new. */
export function seenUpTo(t: Thread, messages: readonly Message[]): number | null {
  const last = messages.at(-1)?.seq ?? 0;
  return !t.conversationId || last <= t.seenSeq ? null : last;
}

/**
 * What a typing event does to the agent's typing line: a name (an agent
 * types in the panel's conversation), null (they stopped), or undefined
 * (not for this panel).
 */
export function agentTyping(t: Thread, e: Extract<ServerEvent, { type: 'typing' }>): string | null | undefined {
  if (e.conversation_id !== t.conversationId || e.author_type !== 'agent') return undefined;
  return e.on ? e.author_name || 'Agent' : null;
}

/** An agent's message ends their typing line. */
export function endsTyping(messages: readonly Message[]): boolean {
  return messages.at(-1)?.author_type === 'agent';
}

/** What a host page's "message" listeners get for an agent's message in the panel's conversation, else null. */
export function hostMessage(t: Thread, m: Message): { text: string; author: string } | null {
  if (m.conversation_id !== t.conversationId || m.author_type !== 'agent') return null;
  return { text: m.body, author: m.author_name ?? '' };
}

/** A message the visitor wrote before its conversation existed. */
export interface Draft {
  id: string;
  text: string;
  /** An attachment (text is its name). */
  file?: File;
}

/** Keeps a message (or a file) written before the conversation exists; now (ms) makes its id. */
export function addDraft(drafts: readonly Draft[], text: string, now: number, file?: File): Draft[] {
  return [...drafts, { id: `d${now}${drafts.length}`, text, file }];
}

/**
 * Whether the panel asks for a name and e-mail before the first message:
 * the site is out of hours and asks for them, the visitor has given no
 * address and has not answered or skipped the form, and nothing is
 * written yet.
 */
export function needsContact(site: { closed?: boolean; ask_contact?: boolean } | undefined, email: string, asked: boolean, messages: number): boolean {
  return Boolean(site?.closed && site.ask_contact) && !email && !asked && messages === 0;
}
