// The desk's state updates as pure functions: the state held and a frame in,
// the next state out. Inputs are never changed; a part that does not change
// is returned as the same object, so a signal assigned with it stays quiet.
// No signals, no DOM, no timers: store.ts calls these and assigns its
// signals, and state.test.ts holds the rules.
import type { Agent, Conversation, InboxItem, Message, PageView, ServerEvent, Visitor } from '../shared/protocol';
import { withMarkers } from '../shared/receipts';
import { plain } from './comments';
import type { Toast } from './notify';
import { countQueues, forMe, inQueue, type QueueTab } from './lifecycle';

export { forMe };

export interface VisitorDetails {
  visitor: Visitor;
  pages: PageView[];
}

/** What the socket keeps current: the welcome and snapshot, then live deltas. */
export interface DeskData {
  conversations: ReadonlyMap<string, Conversation>;
  /** Online visitors. */
  visitors: ReadonlyMap<string, Visitor>;
  agents: ReadonlyMap<string, Agent>;
  /** Visitors this agent looked at (visitor.get), online or not. */
  details: ReadonlyMap<string, VisitorDetails>;
  /** Conversation id → who is typing there (visitors and other agents). */
  typing: ReadonlyMap<string, string>;
  /** Conversation id → when its visitor last wrote. */
  customerAt: ReadonlyMap<string, string>;
}

/** Conversation id → the last seq this agent has seen there. */
export type Seen = Readonly<Record<string, number>>;

export function emptyData(): DeskData {
  return { conversations: new Map(), visitors: new Map(), agents: new Map(), details: new Map(), typing: new Map(), customerAt: new Map() };
}

/** m with key set to value, as a new map. */
export function put<K, V>(m: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(m);
  next.set(key, value);
  return next;
}

/** m without key: a new map, or m itself when it has no such key. */
export function drop<K, V>(m: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!m.has(key)) return m;
  const next = new Map(m);
  next.delete(key);
  return next;
}

/** A name for a visitor who has not said who they are. */
export function visitorName(v: Pick<Visitor, 'id' | 'name' | 'email'> | undefined, id = v?.id ?? ''): string {
  return v?.name || v?.email || `Visitor ${id.slice(-4).toUpperCase()}`;
}

/** A visitor's name from what is held: online, else looked at, else made up from the id. */
export function displayName(d: Pick<DeskData, 'visitors' | 'details'>, visitorId: string): string {
  return visitorName(d.visitors.get(visitorId) ?? d.details.get(visitorId)?.visitor, visitorId);
}

// --- frames ---

/**
 * The welcome's list is the snapshot: it replaces the conversations held, so
 * a chat that changed while disconnected shows in its new tab. The open
 * conversation and closed ones loaded earlier ("closed by me") stay when the
 * list lacks them.
 */
export function applyWelcome(held: ReadonlyMap<string, Conversation>, list: readonly Conversation[], openId: string): Map<string, Conversation> {
  const next = new Map(list.map((c) => [c.id, c]));
  for (const [id, c] of held) {
    if (!next.has(id) && (id === openId || c.status === 'closed')) next.set(id, c);
  }
  return next;
}

/**
 * A conversation from an event or an ack. An older copy (an ack racing its
 * own event) never overwrites a newer one; last_seq and the preview move
 * with message events, so the furthest of the two is kept.
 */
export function upsertConversation(held: ReadonlyMap<string, Conversation>, c: Conversation): ReadonlyMap<string, Conversation> {
  return upsertConversations(held, [c]);
}

/** Many conversations at once (a list read again), each as upsertConversation takes it; one copy of the map. */
export function upsertConversations(held: ReadonlyMap<string, Conversation>, list: readonly Conversation[]): ReadonlyMap<string, Conversation> {
  let next: Map<string, Conversation> | undefined;
  for (const c of list) {
    const before = (next ?? held).get(c.id);
    if (before && Date.parse(before.updated_at) > Date.parse(c.updated_at)) continue;
    const m = before && before.last_seq > c.last_seq ? { ...c, last_seq: before.last_seq, last_message: before.last_message } : c;
    // Markers only move forward: a copy read before the latest receipts
    // event must not take Delivered or Seen back.
    (next ??= new Map(held)).set(c.id, before ? withMarkers(m, before) : m);
  }
  return next ?? held;
}

/**
 * A message moves its conversation's last seq and, when it is public text,
 * the preview and the activity time. One the list already counts (a
 * duplicate, or an older one) changes nothing.
 */
export function applyMessageToList(held: ReadonlyMap<string, Conversation>, m: Message): ReadonlyMap<string, Conversation> {
  const c = held.get(m.conversation_id);
  if (!c || m.seq <= c.last_seq) return held;
  const text = m.kind === 'text' && !m.private;
  return put(held, c.id, {
    ...c,
    last_seq: m.seq,
    last_message: text ? m.body : c.last_message,
    last_activity_at: text ? m.created_at : c.last_activity_at,
  });
}

/** The open conversation's history, as the session holds it, moves its last seq and preview. */
export function applyHistory(held: ReadonlyMap<string, Conversation>, id: string, history: readonly Message[]): ReadonlyMap<string, Conversation> {
  const c = held.get(id);
  const last = history.at(-1);
  if (!c || !last || last.seq <= c.last_seq) return held;
  const preview = last.kind === 'text' && !last.private ? last.body : c.last_message;
  return put(held, id, { ...c, last_seq: last.seq, last_message: preview });
}

/**
 * Someone starts (a name) or stops (null) typing in a conversation. Every
 * "on" gives a new map, even a repeated one, so the store restarts the
 * indicator's expiry.
 */
export function setTyping(typing: ReadonlyMap<string, string>, conversationId: string, who: string | null): ReadonlyMap<string, string> {
  return who ? put(typing, conversationId, who) : drop(typing, conversationId);
}

/** An online visitor is held; one that went offline is dropped. Details shown of it follow. */
function applyVisitor(d: DeskData, delta: Visitor): DeskData {
  // A delta leaves the context out when it has not changed: keep the one held.
  const held = d.visitors.get(delta.id) ?? d.details.get(delta.id)?.visitor;
  const v = delta.context === undefined && held ? { ...delta, context: held.context } : delta;
  const visitors = v.online ? put(d.visitors, v.id, v) : drop(d.visitors, v.id);
  const shown = d.details.get(v.id);
  return { ...d, visitors, details: shown ? put(d.details, v.id, { ...shown, visitor: v }) : d.details };
}

/** Conversation id → agent id → name: the other agents who have it on screen. */
export type Viewers = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** An agent opened a conversation on screen (a name) or left it (null). */
export function setViewer(v: Viewers, conversationId: string, agentId: string, name: string | null): Viewers {
  const cur = v.get(conversationId);
  if (name === null) {
    if (!cur?.has(agentId)) return v;
    const next = drop(cur, agentId);
    return next.size === 0 ? drop(v, conversationId) : put(v, conversationId, next);
  }
  if (cur?.get(agentId) === name) return v;
  return put(v, conversationId, put(cur ?? new Map(), agentId, name));
}

/** "Ana is viewing", "Ana and Bo are viewing", "3 agents are viewing". */
export function viewingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is viewing`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are viewing`;
  return `${names.length} agents are viewing`;
}

/**
 * Applies one live frame (anything but the welcome) to what the desk
 * holds. me is the signed-in agent, whose own typing is not shown.
 */
export function applyEvent(d: DeskData, e: ServerEvent, me: string): DeskData {
  switch (e.type) {
    case 'snapshot':
      return { ...d, visitors: new Map(e.visitors.map((v) => [v.id, v])), agents: new Map(e.agents.map((a) => [a.id, a])) };
    case 'conversation': {
      const conversations = upsertConversation(d.conversations, e.conversation);
      return conversations === d.conversations ? d : { ...d, conversations };
    }
    case 'message': {
      const m = e.message;
      // A message of a conversation the desk does not hold changes nothing.
      if (!d.conversations.has(m.conversation_id)) return d;
      const next = { ...d, conversations: applyMessageToList(d.conversations, m) };
      if (m.author_type === 'visitor') {
        // The visitor wrote: they stopped typing, and the "customer activity" sort moves.
        if (d.customerAt.get(m.conversation_id) !== m.created_at) next.customerAt = put(d.customerAt, m.conversation_id, m.created_at);
        next.typing = setTyping(d.typing, m.conversation_id, null);
      }
      return next;
    }
    case 'receipts': {
      const c = d.conversations.get(e.conversation_id);
      if (!c) return d;
      const next = withMarkers(c, e);
      return next === c ? d : { ...d, conversations: put(d.conversations, c.id, next) };
    }
    case 'typing': {
      if (e.author_id === me) return d;
      const typing = setTyping(d.typing, e.conversation_id, e.on ? e.author_name || displayName(d, e.author_id) : null);
      return typing === d.typing ? d : { ...d, typing };
    }
    case 'visitor':
      return applyVisitor(d, e.visitor);
    case 'visitor.left': {
      const visitors = drop(d.visitors, e.visitor_id);
      return visitors === d.visitors ? d : { ...d, visitors };
    }
    case 'agent':
      return { ...d, agents: put(d.agents, e.agent.id, e.agent) };
    case 'agent.removed': {
      const agents = drop(d.agents, e.agent_id);
      return agents === d.agents ? d : { ...d, agents };
    }
    default:
      return d;
  }
}

/** Seen with every marker of from that is further along (the server's, another tab's). */
export function mergeSeen(seen: Seen, from: Readonly<Record<string, number>> | undefined): Seen {
  let out: Record<string, number> | null = null;
  for (const [id, seq] of Object.entries(from ?? {})) {
    if (seq > (seen[id] ?? -1)) {
      out ??= { ...seen };
      out[id] = seq;
    }
  }
  return out ?? seen;
}

/** Marks a conversation seen up to its last seq. */
export function markSeen(seen: Seen, c: Conversation): Seen {
  return seen[c.id] === c.last_seq ? seen : { ...seen, [c.id]: c.last_seq };
}

// --- notices (what the store turns into toasts, beeps and notifications) ---

/** A toast to raise (notify.ts), its kind choosing whether it sounds. */
export type Notice = Omit<Toast, 'id'>;

export interface NoticeContext {
  /** The signed-in agent. */
  me: string;
  /** The conversation on screen. */
  openId: string;
  name: (visitorId: string) => string;
  siteName: (siteId: string) => string | undefined;
}

/**
 * What an accepted conversation update (before → after) tells the agent: a
 * new live chat, or a chat someone else assigned to them that is not on screen.
 */
export function conversationNotice(before: Conversation | undefined, after: Conversation, ctx: NoticeContext): Notice | null {
  const body = () => `${ctx.name(after.visitor_id)} on ${ctx.siteName(after.site_id) ?? 'a site'}`;
  if (!before && after.status === 'open' && forMe(after, ctx.me)) return { title: 'New chat', body: body(), conversationId: after.id, kind: 'chat' };
  if (before && after.assignee_id === ctx.me && before.assignee_id !== ctx.me && after.status !== 'closed' && after.id !== ctx.openId) {
    return { title: 'Chat assigned to you', body: body(), conversationId: after.id, kind: 'chat' };
  }
  return null;
}

/**
 * Whether a change asks this agent for a wrap-up: its chat was just closed,
 * by anyone (itself, the visitor, another agent or a timer), and has none.
 */
export function needsWrapup(before: Conversation | undefined, after: Conversation, me: string): boolean {
  return (
    before !== undefined &&
    before.status !== 'closed' &&
    after.status === 'closed' &&
    after.assignee_id === me &&
    !after.wrapup_notes &&
    (after.wrapup_tags?.length ?? 0) === 0
  );
}

/** An agent's desk has been gone for the grace period (away): its chats went back to the queue. */
export function agentNotice(before: Agent | undefined, after: Agent, me: string): Notice | null {
  if (!before || after.id === me || before.away || !after.away) return null;
  return { title: `${after.name} is away`, body: 'Their desk closed: their open chats went back to the queue.', key: `agent ${after.id}`, kind: 'agentDrop' };
}

/** A visitor in one of my (or an unassigned) chats lost their connection. */
export function visitorDropNotice(before: Visitor | undefined, after: Visitor, c: Conversation | undefined, me: string, name: string): Notice | null {
  if (!before?.connected || after.connected || !c || c.status === 'closed' || !forMe(c, me)) return null;
  return { title: `${name} disconnected`, body: 'They may be back in a moment; their chat stays open.', conversationId: c.id, kind: 'visitorDrop' };
}

/**
 * A visitor who just came online (the server's `new: true`), once per
 * arrival: not when the desk held them online already (a repeated or
 * merged delta). Not for a visitor whose chat (not closed) has an agent:
 * one of mine is on my list already, another agent's is theirs. New
 * visitors share one toast: the latest arrival replaces the one before.
 */
export function visitorNotice(arrived: boolean | undefined, before: Visitor | undefined, v: Visitor, c: Conversation | undefined, name: string, site: string | undefined): Notice | null {
  if (!arrived || before || !v.online || c?.assignee_id) return null;
  return { title: 'New visitor', body: `${name} on ${site ?? 'a site'}`, visitorId: v.id, key: 'visitor', kind: 'visitor' };
}

/**
 * What a message tells the agent: a visitor's message in one of its own
 * (or unassigned) chats that it has not seen and is not looking at
 * (looking: its conversation is open and the tab shows).
 */
export function messageNotice(
  c: Conversation | undefined,
  m: Message,
  seen: Seen,
  looking: boolean,
  name: (visitorId: string) => string,
  me: string,
): Notice | null {
  if (!c || !forMe(c, me) || m.author_type !== 'visitor' || looking || m.seq <= (seen[c.id] ?? 0)) return null;
  return {
    title: `Message from ${name(c.visitor_id)}`,
    body: m.body.length > 120 ? `${m.body.slice(0, 117)}…` : m.body,
    conversationId: c.id,
    kind: 'message',
  };
}

/** The title of an inbox item: who did what ("Ana mentioned you"). */
export function inboxTitle(it: InboxItem): string {
  const who = it.actor_name || 'Someone';
  switch (it.kind) {
    case 'mention':
      return `${who} mentioned you`;
    case 'assigned':
      return `${who} assigned you a chat`;
    case 'transferred':
      return `${who} transferred a chat to you`;
    case 'ticket_assigned':
      return `${who} gave you a ticket`;
    case 'ticket_reply':
      return `${who} replied on your ticket`;
    case 'ticket_changed':
      return `${who} changed a ticket you watch`;
    default:
      return 'Something needs your attention';
  }
}

/**
 * A new inbox item as a notice (a toast, a sound, a browser notification)
 * that opens its chat. A chat assigned or transferred to me has its own
 * notice already (the conversation's: "Chat assigned to you").
 */
export function inboxNotice(it: InboxItem): Notice | null {
  if (!it.conversation_id || it.kind === 'assigned' || it.kind === 'transferred') return null;
  return { title: inboxTitle(it), body: plain(it.summary), conversationId: it.conversation_id, kind: 'chat' };
}

// --- views ---

/** A live chat of mine (or unassigned) this agent has never opened (green in the queue). */
export function isNew(c: Conversation, seen: Seen, me: string): boolean {
  return c.status === 'open' && seen[c.id] === undefined && forMe(c, me);
}

/** A chat this agent opened before that has moved on since, and is not on screen (the blue dot). */
export function hasActivity(c: Conversation, seen: Seen, openId: string): boolean {
  const s = seen[c.id];
  return c.id !== openId && s !== undefined && c.last_seq > s;
}

/** Conversations that want this agent's attention (the count in the page title): its own or unassigned ones, new or with activity since last seen. */
export function attention(convs: Iterable<Conversation>, seen: Seen, openId: string, me: string): number {
  let n = 0;
  for (const c of convs) if (c.status !== 'closed' && forMe(c, me) && (isNew(c, seen, me) || hasActivity(c, seen, openId))) n++;
  return n;
}

/** Visitor id → their conversation that is not closed: "chatting" rather than "browsing". */
export function chatting(convs: Iterable<Conversation>): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of convs) if (c.status !== 'closed') m.set(c.visitor_id, c.id);
  return m;
}

/** The tabs' badges (countQueues: the agent's own and unassigned chats), live ones waiting for an agent, and online visitors. */
export function counts(convs: Iterable<Conversation>, visitors: Iterable<Visitor>, me: string, tagged?: ReadonlySet<string>): ReturnType<typeof countQueues> & { visitors: number } {
  const n = { ...countQueues(convs, me, tagged), visitors: 0 };
  for (const v of visitors) if (v.online) n.visitors++;
  return n;
}

export type Sort = 'activity' | 'new';

export interface QueueView {
  tab: QueueTab;
  /** The signed-in agent, for "closed by me". */
  me: string;
  closedByMe: boolean;
  /** The Tagged tab's conversations. */
  tagged?: ReadonlySet<string>;
  search: string;
  site: string;
  department: string;
  /** An agent id, 'none' for unassigned, or '' for all. */
  agent: string;
  sort: Sort;
  name: (visitorId: string) => string;
  siteNames: ReadonlyMap<string, string>;
  customerAt: ReadonlyMap<string, string>;
}

/**
 * One queue tab's rows: filtered by site, department, assignee and a search
 * over name, preview, site and id; latest customer activity first (or, on
 * Live sorted by "new chat", latest created first).
 */
export function queue(convs: Iterable<Conversation>, v: QueueView): Conversation[] {
  const q = v.search.trim().toLowerCase();
  const list = [...convs].filter(
    (c) =>
      inQueue(c, { tab: v.tab, me: v.me, closedByMe: v.closedByMe, tagged: v.tagged }) &&
      (!v.site || c.site_id === v.site) &&
      (!v.department || c.department_id === v.department) &&
      (!v.agent || (v.agent === 'none' ? !c.assignee_id : c.assignee_id === v.agent)) &&
      (!q || [v.name(c.visitor_id), c.last_message, v.siteNames.get(c.site_id) ?? '', c.id].join(' ').toLowerCase().includes(q)),
  );
  const key = (c: Conversation) => Date.parse(v.tab === 'live' && v.sort === 'new' ? c.created_at : customerActivity(c, v.customerAt.get(c.id))) || 0;
  return list.sort((a, b) => key(b) - key(a));
}

/**
 * When a conversation's visitor last wrote, for "New customer activity":
 * the time a live message brought (live) when it is newer than what the
 * server said (last_visitor_at, which survives a reload), else that, else
 * the last activity (agents' messages move it too) when neither is known.
 */
export function customerActivity(c: Conversation, live: string | undefined): string {
  const kept = c.last_visitor_at;
  if (live && (!kept || Date.parse(live) > Date.parse(kept))) return live;
  return kept || c.last_activity_at;
}

/** The Visitors tab: online visitors, filtered by site and a search, latest arrival first. */
export function visitorList(visitors: Iterable<Visitor>, search: string, site: string): Visitor[] {
  const q = search.trim().toLowerCase();
  return [...visitors]
    .filter((v) => v.online && (!site || v.site_id === site))
    .filter((v) => !q || [visitorName(v), v.page_url, v.page_title].join(' ').toLowerCase().includes(q))
    .sort((a, b) => (a.session_start < b.session_start ? 1 : a.session_start > b.session_start ? -1 : 0));
}
