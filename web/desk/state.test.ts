import { describe, expect, it } from 'vitest';
import type { Agent, Conversation, InboxItem, Message, ServerEvent, Visitor } from '../shared/protocol';
import {
  applyEvent,
  applyHistory,
  applyWelcome,
  attention,
  chatting,
  conversationNotice,
  counts,
  type DeskData,
  displayName,
  emptyData,
  hasActivity,
  inboxNotice,
  isNew,
  markSeen,
  mergeSeen,
  messageNotice,
  needsWrapup,
  agentNotice,
  visitorDropNotice,
  visitorNotice,
  customerActivity,
  setViewer,
  viewingText,
  type NoticeContext,
  queue,
  type QueueView,
  setTyping,
  upsertConversations,
  visitorList,
} from './state';

const ME = 'agent-me';

function conv(over: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c1',
    site_id: 's1',
    visitor_id: 'v1',
    status: 'open',
    context: null,
    last_seq: 1,
    last_message: 'hello',
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-05T10:00:00Z',
    last_activity_at: '2026-01-05T10:00:00Z',
    ...over,
  };
}

function message(over: Partial<Message> = {}): Message {
  return {
    id: 'm2',
    conversation_id: 'c1',
    seq: 2,
    client_msg_id: 'x2',
    kind: 'text',
    author_type: 'visitor',
    author_id: 'v1',
    body: 'where is my order?',
    created_at: '2026-01-05T10:05:00Z',
    ...over,
  };
}

function visitor(over: Partial<Visitor> = {}): Visitor {
  return {
    id: 'v1',
    site_id: 's1',
    page_url: 'https://shop.example/cart',
    page_title: 'Cart',
    referrer: '',
    pages_seen: 3,
    online: true,
    context: null,
    session_start: '2026-01-05T09:00:00Z',
    last_seen_at: '2026-01-05T10:00:00Z',
    created_at: '2026-01-05T09:00:00Z',
    ...over,
  };
}

function agent(over: Partial<Agent> = {}): Agent {
  return { id: 'a2', name: 'Ana', role: 'agent', status: 'online', status_changed_at: '2026-01-05T09:00:00Z', department_ids: [], ...over };
}

/** A desk holding these conversations (and nothing else). */
function holding(...cs: Conversation[]): DeskData {
  return { ...emptyData(), conversations: new Map(cs.map((c) => [c.id, c])) };
}

/** Applies frames in order, as the socket delivers them. */
function apply(d: DeskData, ...events: ServerEvent[]): DeskData {
  return events.reduce((acc, e) => applyEvent(acc, e, ME), d);
}

function view(over: Partial<QueueView> = {}): QueueView {
  return {
    tab: 'live',
    me: ME,
    closedByMe: false,
    search: '',
    site: '',
    department: '',
    agent: '',
    sort: 'activity',
    name: (id) => `Visitor ${id}`,
    siteNames: new Map([['s1', 'Shop']]),
    customerAt: new Map(),
    ...over,
  };
}

/** The ids a queue tab shows. */
const tabIds = (d: DeskData, over: Partial<QueueView> = {}) => queue(d.conversations.values(), view({ customerAt: d.customerAt, ...over })).map((c) => c.id);

describe('the welcome (snapshot)', () => {
  it('replaces the list: a chat that changed while disconnected shows in its new tab', () => {
    const held = new Map([['c1', conv()]]);
    const next = applyWelcome(held, [conv({ status: 'pending', updated_at: '2026-01-05T11:00:00Z' })], '');
    const d = { ...emptyData(), conversations: next };
    expect(tabIds(d, { tab: 'live' })).toEqual([]);
    expect(tabIds(d, { tab: 'pending' })).toEqual(['c1']);
  });

  it('drops chats it no longer lists, but keeps the open one and closed ones loaded earlier', () => {
    const held = new Map([
      ['gone', conv({ id: 'gone' })],
      ['open', conv({ id: 'open', status: 'pending' })],
      ['old', conv({ id: 'old', status: 'closed', closed_by: 'agent', closed_by_agent_id: ME })],
    ]);
    const next = applyWelcome(held, [conv({ id: 'c9' })], 'open');
    expect([...next.keys()].sort()).toEqual(['c9', 'old', 'open']);
  });
});

describe('conversation frames', () => {
  it('move a chat from Live to Pending, with the tab counts', () => {
    const d = apply(holding(conv()), { type: 'conversation', conversation: conv({ status: 'pending', updated_at: '2026-01-05T10:10:00Z' }) });
    expect(tabIds(d, { tab: 'live' })).toEqual([]);
    expect(tabIds(d, { tab: 'pending' })).toEqual(['c1']);
    expect(counts(d.conversations.values(), [], ME).live).toBe(0);
    expect(counts(d.conversations.values(), [], ME).pending).toBe(1);
  });

  it('add a new chat to Live, counted as waiting while nobody has it', () => {
    const d = apply(emptyData(), { type: 'conversation', conversation: conv({ id: 'c2' }) });
    expect(tabIds(d)).toEqual(['c2']);
    expect(counts(d.conversations.values(), [], ME).unassigned).toBe(1);
    const taken = apply(d, { type: 'conversation', conversation: conv({ id: 'c2', assignee_id: ME, updated_at: '2026-01-05T10:01:00Z' }) });
    expect(counts(taken.conversations.values(), [], ME).unassigned).toBe(0);
  });

  it('never let an older copy (an ack racing its event) undo a newer one', () => {
    const d = holding(conv({ status: 'pending', updated_at: '2026-01-05T10:10:00Z' }));
    const after = apply(d, { type: 'conversation', conversation: conv({ status: 'open', updated_at: '2026-01-05T10:09:00Z' }) });
    expect(after).toBe(d);
    expect(after.conversations.get('c1')?.status).toBe('pending');
  });

  it('keep the furthest last seq and preview that messages brought', () => {
    const d = holding(conv({ last_seq: 5, last_message: 'newest' }));
    const after = apply(d, { type: 'conversation', conversation: conv({ last_seq: 3, last_message: 'older', flagged: true, updated_at: '2026-01-05T10:10:00Z' }) });
    expect(after.conversations.get('c1')).toMatchObject({ last_seq: 5, last_message: 'newest', flagged: true });
  });
});

describe('message frames', () => {
  it('move the preview and the activity time of the chat', () => {
    const d = apply(holding(conv()), { type: 'message', message: message() });
    expect(d.conversations.get('c1')).toMatchObject({ last_seq: 2, last_message: 'where is my order?', last_activity_at: '2026-01-05T10:05:00Z' });
  });

  it('drop a duplicate by (conversation, seq): the list does not change again', () => {
    const once = apply(holding(conv()), { type: 'message', message: message() });
    const twice = apply(once, { type: 'message', message: message() });
    expect(twice.conversations).toBe(once.conversations);
    expect(twice.customerAt).toBe(once.customerAt);
  });

  it('never roll the preview back for an older message arriving late', () => {
    const d = apply(holding(conv()), { type: 'message', message: message({ seq: 3, body: 'third' }) }, { type: 'message', message: message({ seq: 2, body: 'second' }) });
    expect(d.conversations.get('c1')).toMatchObject({ last_seq: 3, last_message: 'third' });
  });

  it('keep internal notes and system events out of the preview, but count their seq', () => {
    const d = apply(
      holding(conv()),
      { type: 'message', message: message({ seq: 2, kind: 'system', author_type: 'system', body: 'Ana marked the conversation pending', private: true }) },
      { type: 'message', message: message({ seq: 3, author_type: 'agent', author_id: 'a2', private: true, body: 'internal' }) },
    );
    expect(d.conversations.get('c1')).toMatchObject({ last_seq: 3, last_message: 'hello', last_activity_at: '2026-01-05T10:00:00Z' });
  });

  it('change nothing for a conversation the desk does not hold', () => {
    const d = holding(conv());
    expect(apply(d, { type: 'message', message: message({ conversation_id: 'elsewhere' }) })).toBe(d);
  });

  it('from the visitor sort the queue by customer activity and end their typing line', () => {
    let d = holding(conv({ id: 'a', last_activity_at: '2026-01-05T10:00:00Z' }), conv({ id: 'b', visitor_id: 'v2', last_activity_at: '2026-01-05T10:01:00Z' }));
    expect(tabIds(d)).toEqual(['b', 'a']);
    d = apply(d, { type: 'typing', conversation_id: 'a', author_type: 'visitor', author_id: 'v1', on: true });
    expect(d.typing.get('a')).toBe('Visitor V1');
    d = apply(d, { type: 'message', message: message({ conversation_id: 'a', created_at: '2026-01-05T10:30:00Z' }) });
    expect(tabIds(d)).toEqual(['a', 'b']);
    expect(d.typing.has('a')).toBe(false);
  });

  it('from an agent leave the customer activity as it was', () => {
    const d = apply(holding(conv()), { type: 'message', message: message({ author_type: 'agent', author_id: 'a2' }) });
    expect(d.customerAt.size).toBe(0);
  });
});

describe('the open conversation\'s history', () => {
  it('moves the row\'s preview as soon as the session holds a newer message', () => {
    const held = new Map([['c1', conv()]]);
    const next = applyHistory(held, 'c1', [message({ seq: 1, body: 'hi' }), message({ seq: 2, author_type: 'agent', body: 'Hi! How can I help?' })]);
    expect(next.get('c1')).toMatchObject({ last_seq: 2, last_message: 'Hi! How can I help?' });
    expect(applyHistory(next, 'c1', [message({ seq: 1 })])).toBe(next);
  });
});

describe('typing frames', () => {
  it('show who types, by their name or the visitor\'s', () => {
    const d = apply(
      { ...holding(conv()), visitors: new Map([['v1', visitor({ name: 'Maria' })]]) },
      { type: 'typing', conversation_id: 'c1', author_type: 'visitor', author_id: 'v1', on: true },
      { type: 'typing', conversation_id: 'c2', author_type: 'agent', author_id: 'a2', author_name: 'Ana', on: true },
    );
    expect(d.typing.get('c1')).toBe('Maria');
    expect(d.typing.get('c2')).toBe('Ana');
    expect(apply(d, { type: 'typing', conversation_id: 'c1', author_type: 'visitor', author_id: 'v1', on: false }).typing.has('c1')).toBe(false);
  });

  it('never show this agent\'s own typing', () => {
    const d = holding(conv());
    expect(apply(d, { type: 'typing', conversation_id: 'c1', author_type: 'agent', author_id: ME, author_name: 'Me', on: true })).toBe(d);
  });

  it('give a new map on every "on", so the expiry restarts; an "off" for nobody changes nothing', () => {
    const a = setTyping(new Map(), 'c1', 'Ana');
    expect(setTyping(a, 'c1', 'Ana')).not.toBe(a);
    const none = new Map<string, string>();
    expect(setTyping(none, 'c1', null)).toBe(none);
  });
});

describe('visitor frames', () => {
  it('add an online visitor to the visitor sidebar and its count', () => {
    const d = apply(emptyData(), { type: 'visitor', visitor: visitor() }, { type: 'visitor', visitor: visitor({ id: 'v2', session_start: '2026-01-05T09:30:00Z' }) });
    expect(visitorList(d.visitors.values(), '', '').map((v) => v.id)).toEqual(['v2', 'v1']);
    expect(counts([], d.visitors.values(), ME).visitors).toBe(2);
  });

  it('remove a visitor who left (visitor.left, or offline)', () => {
    let d = apply(emptyData(), { type: 'snapshot', visitors: [visitor(), visitor({ id: 'v2' })], agents: [] });
    d = apply(d, { type: 'visitor.left', visitor_id: 'v1' });
    expect(visitorList(d.visitors.values(), '', '').map((v) => v.id)).toEqual(['v2']);
    d = apply(d, { type: 'visitor', visitor: visitor({ id: 'v2', online: false }) });
    expect(visitorList(d.visitors.values(), '', '')).toEqual([]);
    expect(counts([], d.visitors.values(), ME).visitors).toBe(0);
    expect(apply(d, { type: 'visitor.left', visitor_id: 'nobody' })).toBe(d);
  });

  it('update the details shown of that visitor (their new page)', () => {
    const d = { ...emptyData(), details: new Map([['v1', { visitor: visitor(), pages: [] }]]) };
    const after = apply(d, { type: 'visitor', visitor: visitor({ page_title: 'Checkout', online: false }) });
    expect(after.details.get('v1')?.visitor.page_title).toBe('Checkout');
    // An offline visitor's name still comes from the details.
    expect(displayName({ ...after, details: new Map([['v1', { visitor: visitor({ name: 'Maria', online: false }), pages: [] }]]) }, 'v1')).toBe('Maria');
  });

  it('are searched by name, page and title, and filtered by site', () => {
    const vs = [visitor({ name: 'Maria' }), visitor({ id: 'v2', site_id: 's2', page_title: 'Pricing' })];
    expect(visitorList(vs, 'maria', '').map((v) => v.id)).toEqual(['v1']);
    expect(visitorList(vs, 'PRICING', '').map((v) => v.id)).toEqual(['v2']);
    expect(visitorList(vs, '', 's2').map((v) => v.id)).toEqual(['v2']);
  });
});

describe('snapshot and agent frames', () => {
  it('replace the visitors and agents held, then update one agent', () => {
    let d = apply({ ...emptyData(), visitors: new Map([['old', visitor({ id: 'old' })]]) }, { type: 'snapshot', visitors: [visitor()], agents: [agent()] });
    expect([...d.visitors.keys()]).toEqual(['v1']);
    d = apply(d, { type: 'agent', agent: agent({ status: 'busy' }) });
    expect(d.agents.get('a2')?.status).toBe('busy');
  });

  it('keep a visitor\'s context when a delta leaves it out, and take a new one', () => {
    let d = apply(emptyData(), { type: 'snapshot', visitors: [visitor({ context: { plan: 'pro' } })], agents: [] });
    const { context: _omitted, ...noContext } = visitor({ page_url: 'https://shop.example/cart' });
    d = apply(d, { type: 'visitor', visitor: noContext });
    expect(d.visitors.get('v1')?.context).toEqual({ plan: 'pro' });
    expect(d.visitors.get('v1')?.page_url).toBe('https://shop.example/cart');
    d = apply(d, { type: 'visitor', visitor: visitor({ context: { plan: 'enterprise' } }) });
    expect(d.visitors.get('v1')?.context).toEqual({ plan: 'enterprise' });
  });

  it('drop a removed agent from the list (the transfer dialog no longer offers it)', () => {
    const d = apply(apply(emptyData(), { type: 'snapshot', visitors: [], agents: [agent()] }), { type: 'agent.removed', agent_id: 'a2' });
    expect(d.agents.has('a2')).toBe(false);
    expect(apply(d, { type: 'agent.removed', agent_id: 'a2' })).toBe(d);
  });
});

describe('unread markers and the attention count', () => {
  it('count a live chat never opened as new (green), until seen', () => {
    const c = conv();
    expect(isNew(c, {}, ME)).toBe(true);
    expect(attention([c], {}, '', ME)).toBe(1);
    const seen = markSeen({}, c);
    expect(isNew(c, seen, ME)).toBe(false);
    expect(attention([c], seen, '', ME)).toBe(0);
    expect(markSeen(seen, c)).toBe(seen);
  });

  it('show activity (blue) when a seen chat moves on, except on screen', () => {
    const seen = markSeen({}, conv());
    const d = apply(holding(conv()), { type: 'message', message: message() });
    const c = d.conversations.get('c1') as Conversation;
    expect(hasActivity(c, seen, '')).toBe(true);
    expect(attention([c], seen, '', ME)).toBe(1);
    expect(hasActivity(c, seen, 'c1')).toBe(false);
    expect(attention([c], seen, 'c1', ME)).toBe(0);
  });

  it('never count closed chats', () => {
    expect(attention([conv({ status: 'closed', last_seq: 9 })], { c1: 1 }, '', ME)).toBe(0);
  });

  it("leave another agent's chats out: not new for me, not in my count", () => {
    const theirs = conv({ assignee_id: 'agent-ana' });
    expect(isNew(theirs, {}, ME)).toBe(false);
    expect(attention([theirs], {}, '', ME)).toBe(0);
    const mine = conv({ id: 'c2', assignee_id: ME });
    expect(isNew(mine, {}, ME)).toBe(true);
    expect(attention([theirs, mine, conv({ id: 'c3' })], {}, '', ME)).toBe(2);
  });
});

describe('read markers', () => {
  it("take the furthest marker of the server's and this browser's", () => {
    const local = { c1: 5, c2: 2 };
    expect(mergeSeen(local, undefined)).toBe(local);
    expect(mergeSeen(local, { c1: 3 })).toBe(local);
    expect(mergeSeen(local, { c1: 7, c3: 1 })).toEqual({ c1: 7, c2: 2, c3: 1 });
  });
});

describe('viewers', () => {
  it('add, rename and drop agents per conversation, keeping unchanged maps', () => {
    let v = setViewer(new Map(), 'c1', 'a1', 'Ana');
    expect([...(v.get('c1')?.values() ?? [])]).toEqual(['Ana']);
    expect(setViewer(v, 'c1', 'a1', 'Ana')).toBe(v);
    v = setViewer(v, 'c1', 'a2', 'Bo');
    expect(viewingText([...(v.get('c1')?.values() ?? [])])).toBe('Ana and Bo are viewing');
    v = setViewer(v, 'c1', 'a1', null);
    v = setViewer(v, 'c1', 'a2', null);
    expect(v.has('c1')).toBe(false);
    expect(setViewer(v, 'c9', 'a1', null)).toBe(v);
  });
  it('say who views', () => {
    expect(viewingText([])).toBe('');
    expect(viewingText(['Ana'])).toBe('Ana is viewing');
    expect(viewingText(['A', 'B', 'C'])).toBe('3 agents are viewing');
  });
});

describe('connection notices', () => {
  const ana: Agent = { id: 'a2', name: 'Ana', role: 'agent', status: 'online', status_changed_at: '', department_ids: [] };
  it('tell when another agent goes away, once', () => {
    expect(agentNotice({ ...ana }, { ...ana, away: true }, ME)).toMatchObject({ title: 'Ana is away', kind: 'agentDrop', key: 'agent a2' });
    expect(agentNotice({ ...ana, away: true }, { ...ana, away: true }, ME)).toBeNull();
    expect(agentNotice({ ...ana, id: ME }, { ...ana, id: ME, away: true }, ME)).toBeNull();
  });
  it("tell when a visitor of one of my chats disconnects, on that chat's toast", () => {
    const v = visitor({ connected: true, online: true });
    const gone = { ...v, connected: false };
    expect(visitorDropNotice(v, gone, conv({ assignee_id: ME }), ME, 'Maria')).toMatchObject({ title: 'Maria disconnected', conversationId: 'c1', kind: 'visitorDrop' });
    expect(visitorDropNotice(v, gone, conv({ assignee_id: 'agent-ana' }), ME, 'Maria')).toBeNull();
    expect(visitorDropNotice(v, gone, undefined, ME, 'Maria')).toBeNull();
    expect(visitorDropNotice(gone, gone, conv(), ME, 'Maria')).toBeNull();
  });
});

describe('new visitor notices', () => {
  const v = visitor({ name: 'Maria' });
  it('tell of a visitor who just came online, once per arrival', () => {
    expect(visitorNotice(true, undefined, v, undefined, 'Maria', 'Shop')).toEqual({ title: 'New visitor', body: 'Maria on Shop', visitorId: 'v1', key: 'visitor', kind: 'visitor' });
    // Any other delta (a new page, a socket change) is not an arrival…
    expect(visitorNotice(undefined, v, v, undefined, 'Maria', 'Shop')).toBeNull();
    expect(visitorNotice(false, undefined, v, undefined, 'Maria', 'Shop')).toBeNull();
    // …nor is a repeated "new" for a visitor held online already.
    expect(visitorNotice(true, v, v, undefined, 'Maria', 'Shop')).toBeNull();
    expect(visitorNotice(true, undefined, { ...v, online: false }, undefined, 'Maria', 'Shop')).toBeNull();
    expect(visitorNotice(true, undefined, v, undefined, 'Maria', undefined)?.body).toBe('Maria on a site');
  });

  it('leave out a visitor whose chat has an agent (mine or another\'s), not one whose chat waits for anyone', () => {
    expect(visitorNotice(true, undefined, v, conv({ assignee_id: ME }), 'Maria', 'Shop')).toBeNull();
    expect(visitorNotice(true, undefined, v, conv({ assignee_id: 'agent-ana' }), 'Maria', 'Shop')).toBeNull();
    expect(visitorNotice(true, undefined, v, conv(), 'Maria', 'Shop')).toMatchObject({ title: 'New visitor' });
  });

  it('come after a visitor who went offline arrives again', () => {
    let d = apply(emptyData(), { type: 'visitor', visitor: v, new: true });
    expect(visitorNotice(true, d.visitors.get('v1'), v, undefined, 'Maria', 'Shop')).toBeNull();
    d = apply(d, { type: 'visitor.left', visitor_id: 'v1' });
    expect(visitorNotice(true, d.visitors.get('v1'), v, undefined, 'Maria', 'Shop')).not.toBeNull();
  });
});

describe('wrap-up', () => {
  it('is asked of the assigned agent whenever its chat closes, once, unless it has one', () => {
    const open = conv({ assignee_id: ME });
    expect(needsWrapup(open, conv({ assignee_id: ME, status: 'closed', closed_by: 'visitor' }), ME)).toBe(true);
    expect(needsWrapup(open, conv({ assignee_id: ME, status: 'closed', wrapup_notes: 'done' }), ME)).toBe(false);
    expect(needsWrapup(conv({ assignee_id: ME, status: 'closed' }), conv({ assignee_id: ME, status: 'closed' }), ME)).toBe(false);
    expect(needsWrapup(conv({ assignee_id: 'agent-ana' }), conv({ assignee_id: 'agent-ana', status: 'closed' }), ME)).toBe(false);
    expect(needsWrapup(undefined, conv({ assignee_id: ME, status: 'closed' }), ME)).toBe(false);
  });
});

describe('notices', () => {
  const ctx: NoticeContext = { me: ME, openId: '', name: () => 'Maria', siteName: (id) => (id === 's1' ? 'Shop' : undefined) };

  it('announce a new live chat', () => {
    expect(conversationNotice(undefined, conv(), ctx)).toEqual({ title: 'New chat', body: 'Maria on Shop', conversationId: 'c1', kind: 'chat' });
    expect(conversationNotice(undefined, conv({ assignee_id: 'agent-ana' }), ctx)).toBeNull(); // another agent's new chat is not news for me
    expect(conversationNotice(undefined, conv({ status: 'pending' }), ctx)).toBeNull();
  });

  it('announce a chat someone else assigned to this agent, unless it is on screen or closed', () => {
    const before = conv({ assignee_id: 'a2' });
    expect(conversationNotice(before, conv({ assignee_id: ME }), ctx)?.title).toBe('Chat assigned to you');
    expect(conversationNotice(before, conv({ assignee_id: ME }), { ...ctx, openId: 'c1' })).toBeNull();
    expect(conversationNotice(before, conv({ assignee_id: ME, status: 'closed' }), ctx)).toBeNull();
    expect(conversationNotice(conv({ assignee_id: ME }), conv({ assignee_id: ME, flagged: true }), ctx)).toBeNull();
  });

  it('announce a visitor\'s message not seen yet, unless the agent is looking at it', () => {
    const name = () => 'Maria';
    expect(messageNotice(conv(), message(), {}, false, name, ME)).toMatchObject({ title: 'Message from Maria', body: 'where is my order?', kind: 'message' });
    expect(messageNotice(conv(), message(), {}, true, name, ME)).toBeNull();
    expect(messageNotice(conv(), message(), { c1: 2 }, false, name, ME)).toBeNull();
    expect(messageNotice(conv(), message({ author_type: 'agent' }), {}, false, name, ME)).toBeNull();
    expect(messageNotice(undefined, message(), {}, false, name, ME)).toBeNull();
    expect(messageNotice(conv({ assignee_id: 'agent-ana' }), message(), {}, false, name, ME)).toBeNull(); // another agent's chat
    const long = messageNotice(conv(), message({ body: 'x'.repeat(200) }), {}, false, name, ME);
    expect(long?.body).toHaveLength(118);
    expect(long?.body.endsWith('…')).toBe(true);
  });
});

describe('queue tabs', () => {
  const cs = [
    conv({ id: 'mine', assignee_id: ME, last_message: 'refund please', created_at: '2026-01-05T08:00:00Z', last_activity_at: '2026-01-05T10:03:00Z' }),
    conv({ id: 'free', site_id: 's2', department_id: 'd1', created_at: '2026-01-05T09:00:00Z', last_activity_at: '2026-01-05T10:01:00Z' }),
    conv({ id: 'hers', assignee_id: 'a2', created_at: '2026-01-05T07:00:00Z', last_activity_at: '2026-01-05T10:02:00Z' }),
    conv({ id: 'done', status: 'closed', closed_by: 'agent', closed_by_agent_id: 'a2' }),
    conv({ id: 'byme', status: 'closed', closed_by: 'agent', closed_by_agent_id: ME }),
  ];
  const ids = (over: Partial<QueueView>) => queue(cs, view(over)).map((c) => c.id);

  it('list latest activity first, or on Live the newest chat first', () => {
    expect(ids({})).toEqual(['mine', 'hers', 'free']);
    expect(ids({ sort: 'new' })).toEqual(['free', 'mine', 'hers']);
  });

  it('filter by assignee, site, department and a search', () => {
    expect(ids({ agent: 'none' })).toEqual(['free']);
    expect(ids({ agent: 'a2' })).toEqual(['hers']);
    expect(ids({ site: 's2' })).toEqual(['free']);
    expect(ids({ department: 'd1' })).toEqual(['free']);
    expect(ids({ search: 'REFUND' })).toEqual(['mine']);
    expect(ids({ search: 'shop' })).toEqual(['mine', 'hers']);
  });

  it('show on Closed every closed chat, or only this agent\'s with "Closed by me"', () => {
    expect(ids({ tab: 'closed' }).sort()).toEqual(['byme', 'done']);
    expect(ids({ tab: 'closed', closedByMe: true })).toEqual(['byme']);
  });

  it('sort by the visitor\'s last message also after a reload (last_visitor_at), not by agents\' replies', () => {
    // After a reload no live times are held: the server's last_visitor_at orders them.
    const reloaded = [
      conv({ id: 'answered', last_visitor_at: '2026-01-05T09:00:00Z', last_activity_at: '2026-01-05T10:30:00Z' } as Partial<Conversation>),
      conv({ id: 'waiting', last_visitor_at: '2026-01-05T10:00:00Z', last_activity_at: '2026-01-05T10:00:00Z' } as Partial<Conversation>),
      conv({ id: 'silent', last_activity_at: '2026-01-05T09:30:00Z' }), // the visitor never wrote: its activity
    ];
    const order = (customerAt = new Map<string, string>()) => queue(reloaded, view({ customerAt })).map((c) => c.id);
    expect(order()).toEqual(['waiting', 'silent', 'answered']);
    // A live message newer than the server's time moves its chat up; an older one does not.
    expect(order(new Map([['answered', '2026-01-05T11:00:00Z']]))).toEqual(['answered', 'waiting', 'silent']);
    expect(order(new Map([['waiting', '2026-01-05T08:00:00Z']]))).toEqual(['waiting', 'silent', 'answered']);
  });

  it('take the newer of the live and the kept visitor time, compared as times', () => {
    const c = conv({ last_visitor_at: '2026-01-05T10:00:00.5Z', last_activity_at: '2026-01-05T12:00:00Z' } as Partial<Conversation>);
    expect(customerActivity(c, undefined)).toBe('2026-01-05T10:00:00.5Z');
    expect(customerActivity(c, '2026-01-05T10:00:00Z')).toBe('2026-01-05T10:00:00.5Z'); // earlier, though later as text
    expect(customerActivity(c, '2026-01-05T10:00:01Z')).toBe('2026-01-05T10:00:01Z');
    expect(customerActivity(conv({ last_activity_at: '2026-01-05T12:00:00Z' }), undefined)).toBe('2026-01-05T12:00:00Z');
    expect(customerActivity(conv({}), '2026-01-05T13:00:00Z')).toBe('2026-01-05T13:00:00Z');
  });

  it('mark visitors with a chat that is not closed as chatting', () => {
    const m = chatting([conv({ id: 'x', visitor_id: 'v1' }), conv({ id: 'y', visitor_id: 'v2', status: 'closed' })]);
    expect([...m]).toEqual([['v1', 'x']]);
  });
});

describe('receipts', () => {
  const r = (over: Partial<Record<'visitor_read_seq' | 'agent_read_seq' | 'visitor_delivered_seq' | 'agent_delivered_seq', number>>): ServerEvent => ({
    type: 'receipts',
    conversation_id: 'c1',
    visitor_read_seq: 0,
    agent_read_seq: 0,
    visitor_delivered_seq: 0,
    agent_delivered_seq: 0,
    ...over,
  });
  it("moves a held chat's markers forward, never back, and keeps the rest of it", () => {
    const d = apply(holding(conv({ last_seq: 5, visitor_delivered_seq: 2 })), r({ visitor_delivered_seq: 4, visitor_read_seq: 3 }));
    const c = d.conversations.get('c1');
    expect(c).toMatchObject({ last_seq: 5, last_message: 'hello', visitor_delivered_seq: 4, visitor_read_seq: 3 });
    // A late event (from before the last one) moves nothing and changes nothing.
    expect(apply(d, r({ visitor_delivered_seq: 1 }))).toBe(d);
  });
  it('a conversation copy read before a receipts event does not take its markers back', () => {
    const d = apply(holding(conv({ last_seq: 5 })), r({ agent_read_seq: 5, agent_delivered_seq: 5 }));
    const stale = apply(d, { type: 'conversation', conversation: conv({ last_seq: 5, agent_read_seq: 3, status: 'pending' }) });
    expect(stale.conversations.get('c1')).toMatchObject({ status: 'pending', agent_read_seq: 5, agent_delivered_seq: 5 });
  });
  it('leaves the desk alone for a chat it does not hold', () => {
    const d = holding(conv());
    expect(apply(d, { ...r({ agent_read_seq: 2 }), conversation_id: 'other' } as ServerEvent)).toBe(d);
  });
});

describe('inbox notices', () => {
  const item = (kind: string, over: Partial<InboxItem> = {}): InboxItem => ({
    id: 'i1',
    agent_id: 'me',
    seq: 1,
    kind,
    conversation_id: 'c1',
    actor_name: 'Ana',
    summary: 'can you check the **refund**?',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...over,
  });

  it('tells of a mention in plain words, and opens its chat', () => {
    expect(inboxNotice(item('mention'))).toEqual({ title: 'Ana mentioned you', body: 'can you check the refund?', conversationId: 'c1', kind: 'chat' });
    expect(inboxNotice(item('ticket_reply'))?.title).toBe('Ana replied on your ticket');
    expect(inboxNotice(item('ticket_changed'))?.title).toBe('Ana changed a ticket you watch');
  });

  it('leaves a chat handed over to the conversation notice, and an item without a chat alone', () => {
    expect(inboxNotice(item('assigned'))).toBeNull();
    expect(inboxNotice(item('transferred'))).toBeNull();
    expect(inboxNotice(item('mention', { conversation_id: undefined }))).toBeNull();
  });
});

describe('upsertConversations', () => {
  it('takes a list read again as each event would: newer copies win, a seq held further stays', () => {
    const held = new Map([
      ['a', conv({ id: 'a', last_seq: 3, last_message: 'old', updated_at: '2026-01-01T00:00:00Z' })],
      ['b', conv({ id: 'b', last_seq: 9, last_message: 'mine is newer', updated_at: '2026-01-01T00:00:00Z' })],
    ]);
    const next = upsertConversations(held, [
      conv({ id: 'a', last_seq: 7, last_message: 'missed', updated_at: '2026-01-01T00:00:05Z' }),
      conv({ id: 'b', last_seq: 8, last_message: 'stale', updated_at: '2026-01-01T00:00:00Z' }),
      conv({ id: 'c', last_seq: 1, last_message: 'new', updated_at: '2026-01-01T00:00:00Z' }),
    ]);
    expect(next.get('a')?.last_message).toBe('missed');
    expect(next.get('b')?.last_seq).toBe(9);
    expect(next.get('b')?.last_message).toBe('mine is newer');
    expect(next.get('c')?.last_seq).toBe(1);
    expect(held.get('a')?.last_seq).toBe(3); // the map held is not changed
    expect(upsertConversations(held, [])).toBe(held);
  });
});
