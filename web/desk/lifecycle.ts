// The desk's conversation-lifecycle rules (docs/lifecycle.md) as pure
// functions, so they are unit-tested without a browser.
import type { Conversation, ConversationStatus, Message } from '../shared/protocol';

/** The status tabs, and Tagged: chats a comment mentioned me in, until they close. */
export type QueueTab = 'live' | 'pending' | 'snoozed' | 'closed' | 'tagged';

const TAB_OF: Record<ConversationStatus, QueueTab> = {
  open: 'live',
  pending: 'pending',
  snoozed: 'snoozed',
  closed: 'closed',
};

/** The queue tab a conversation belongs in: one tab per status. */
export function tabOf(status: ConversationStatus): QueueTab {
  return TAB_OF[status] ?? 'live';
}

export interface QueueFilter {
  tab: QueueTab;
  /** The Tagged tab's conversations. */
  tagged?: ReadonlySet<string>;
  /** The signed-in agent, for "closed by me". */
  me?: string;
  closedByMe?: boolean;
}

/** Whether a conversation shows in a queue tab. */
export function inQueue(c: Conversation, f: QueueFilter): boolean {
  if (f.tab === 'tagged') return c.status !== 'closed' && Boolean(f.tagged?.has(c.id));
  if (tabOf(c.status) !== f.tab || (f.tab === 'live' && inTicket(c))) return false;
  if (f.tab === 'closed' && f.closedByMe) return Boolean(f.me) && c.closed_by === 'agent' && c.closed_by_agent_id === f.me;
  return true;
}

/** A chat that waits in a ticket (nobody has started a chat from it): it shows under Tickets, not Live. */
export function inTicket(c: Conversation): boolean {
  return Boolean(c.ticket_id) && !c.assignee_id && c.status !== 'closed';
}

/** Whether c is this agent's business: its own, or waiting for anyone. Another agent's chat is not "new" for me. */
export function forMe(c: Conversation, me: string): boolean {
  return !c.assignee_id || c.assignee_id === me;
}

/** What a desk follows (desk.watch): every chat's events, or its own, the queue's and the open one's. */
export type WatchScope = 'all' | 'mine';

/**
 * The scope a desk needs: only its own, the queue's and the open chat's
 * events while its list shows no one else's chats (Mine or Unassigned,
 * not Tagged, which lists others' chats it was mentioned in); every
 * chat's otherwise. agentFilter is the list's: me, 'none' or '' (All), or
 * another agent's id.
 */
export function watchScope(agentFilter: string, me: string, tab: QueueTab): WatchScope {
  const mine = agentFilter === 'none' || (agentFilter !== '' && agentFilter === me);
  return mine && tab !== 'tagged' ? 'mine' : 'all';
}

/** Mine / Unassigned / All above a tab's list: its chats assigned to me, to nobody, and all of them. */
export function viewCounts(convs: Iterable<Conversation>, tab: QueueTab, me: string): { mine: number; unassigned: number; all: number } {
  const n = { mine: 0, unassigned: 0, all: 0 };
  for (const c of convs) {
    if (!inQueue(c, { tab })) continue;
    n.all++;
    if (!c.assignee_id) n.unassigned++;
    else if (c.assignee_id === me) n.mine++;
  }
  return n;
}

/**
 * The tabs' badges. Live, Pending and Snoozed count the agent's own
 * chats: those assigned to me and those waiting for anyone (unassigned),
 * that is Mine + Unassigned of viewCounts, never another agent's. Tagged
 * counts the chats a comment mentioned me in that are not closed; Closed
 * (shown without a badge) every closed chat held. unassigned: the live
 * chats waiting for an agent, the whole workspace's (the amber bar).
 */
export function countQueues(convs: Iterable<Conversation>, me: string, tagged?: ReadonlySet<string>): Record<QueueTab, number> & { unassigned: number } {
  const n = { live: 0, pending: 0, snoozed: 0, closed: 0, tagged: 0, unassigned: 0 };
  for (const c of convs) {
    if (c.status !== 'closed' && tagged?.has(c.id)) n.tagged++;
    if (inTicket(c)) continue;
    if (c.status === 'closed' || forMe(c, me)) n[tabOf(c.status)]++;
    if (c.status === 'open' && !c.assignee_id) n.unassigned++;
  }
  return n;
}

/** "Closed by system", "by Ana", "by visitor" for the Closed tab. */
export function closedByLabel(c: Conversation, agentName: (id: string) => string | undefined, me?: string): string {
  switch (c.closed_by) {
    case 'system':
      return 'Closed by system';
    case 'visitor':
      return 'Closed by visitor';
    case 'agent': {
      const id = c.closed_by_agent_id ?? '';
      if (id && id === me) return 'Closed by you';
      return `Closed by ${agentName(id) ?? 'an agent'}`;
    }
    default:
      return 'Closed';
  }
}

/** Limits of conversation.wrapup (docs/protocol.md). */
export const MAX_TAGS = 10;
export const MAX_TAG_BYTES = 40;
export const MAX_NOTES = 4000;
export const MAX_NOTE = 1000;

/**
 * Parses outcome tags typed as "Resolved, shipping; refund": split on
 * commas, semicolons and new lines, trimmed, lower-cased (as the server
 * stores them), empty ones and repeats dropped, in order.
 */
export function parseTags(input: string): string[] {
  const out: string[] = [];
  for (const raw of input.split(/[,;\n]/)) {
    const t = raw.trim().replace(/\s+/g, ' ').toLowerCase();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/** Why a tag list would be refused, or '' when it is fine. */
export function tagsProblem(tags: string[]): string {
  if (tags.length > MAX_TAGS) return `At most ${MAX_TAGS} tags.`;
  const long = tags.find((t) => new TextEncoder().encode(t).length > MAX_TAG_BYTES);
  if (long) return `“${long.slice(0, 20)}…” is too long: tags have at most ${MAX_TAG_BYTES} characters.`;
  return '';
}

export interface SnoozePreset {
  id: 'hour' | 'tomorrow' | 'week';
  label: string;
  until: Date;
}

/**
 * The snooze presets from a moment, in the browser's time zone: in an hour,
 * tomorrow at 9:00, and next week (next Monday at 9:00).
 */
export function snoozePresets(now: Date): SnoozePreset[] {
  const hour = new Date(now.getTime() + 60 * 60 * 1000);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  const toMonday = ((8 - now.getDay()) % 7) || 7; // days until next Monday, 1–7
  const week = new Date(now.getFullYear(), now.getMonth(), now.getDate() + toMonday, 9, 0, 0, 0);
  return [
    { id: 'hour', label: 'In 1 hour', until: hour },
    { id: 'tomorrow', label: 'Tomorrow, 9:00', until: tomorrow },
    { id: 'week', label: 'Next week (Mon 9:00)', until: week },
  ];
}

/** RFC 3339 in UTC, as snooze_until wants it (no milliseconds). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What the user reads for a lifecycle command's error code. */
export function actionError(code: string, message = ''): string {
  switch (code) {
    case 'agent_at_capacity':
      return 'That agent is at their chat limit. Pick another agent or a department.';
    case 'agent_unavailable':
      return 'That agent is offline and cannot take chats. Pick another agent or a department.';
    case 'already_assigned':
      return 'Someone else took or moved this chat first.';
    case 'forbidden':
      return 'Your role does not allow this on a chat assigned to someone else.';
    case 'invalid_transition':
      return 'The chat’s status changed meanwhile; this is no longer possible.';
    case 'visitor_has_open_conversation':
      return 'The visitor has started another chat since; answer them there.';
    case 'conversation_closed':
      return 'The chat is closed.';
    case 'invalid_snooze_until':
      return 'Pick a snooze time in the future, at most a year ahead.';
    case 'invalid_note':
      return `The note is too long (at most ${MAX_NOTE} characters).`;
    case 'invalid_notes':
      return `The notes are too long (at most ${MAX_NOTES} characters).`;
    case 'too_many_tags':
      return `At most ${MAX_TAGS} tags.`;
    case 'invalid_tag':
      return `Tags have 1 to ${MAX_TAG_BYTES} characters.`;
    case 'unknown_agent':
      return 'That agent no longer exists.';
    case 'unknown_department':
      return 'That department no longer exists.';
    case 'disconnected':
      return 'Not connected. Try again when the desk is back online.';
    default:
      return message || `Refused (${code}).`;
  }
}

/** A system event's text, with a snooze time in the reader's time zone. */
export function systemText(m: Message, localTime: (iso: string) => string): string {
  const meta = m.meta ?? {};
  if (meta.event === 'status' && meta.status === 'snoozed' && typeof meta.snooze_until === 'string') {
    return `${m.author_name || 'An agent'} snoozed the conversation until ${localTime(meta.snooze_until)}`;
  }
  return m.body;
}

/** Wrap-up notes and tags from a wrap-up event's meta. */
export function wrapupOf(m: Message): { notes: string; tags: string[] } | null {
  const meta = m.meta;
  if (!meta || meta.event !== 'wrapup') return null;
  const tags = Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
  return { notes: typeof meta.notes === 'string' ? meta.notes : '', tags };
}

/** A transfer event's note, if any. */
export function transferOf(m: Message): { to: string; note: string } | null {
  const meta = m.meta;
  if (!meta || meta.event !== 'transfer') return null;
  const to = typeof meta.to_agent_name === 'string' ? meta.to_agent_name : typeof meta.to_department_name === 'string' ? meta.to_department_name : '';
  return { to, note: typeof meta.note === 'string' ? meta.note : '' };
}
