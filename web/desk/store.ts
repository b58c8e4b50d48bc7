import { batch, computed, signal } from '@preact/signals';
import type { ConnState } from '../shared/connection';
import type {
  Agent,
  AgentStatus,
  Conversation,
  ConversationStatus,
  Message,
  PageView,
  ServerEvent,
  Visitor,
  Welcome,
} from '../shared/protocol';
import { type Outgoing, Session } from '../shared/session';
import { load, safeSession, save } from '../shared/storage';
import { TYPING_EXPIRE_MS, TypingSignal } from '../shared/typing';
import type { Department, Site } from './api';
import { countQueues, inQueue, type QueueTab } from './lifecycle';
import { Notifier } from './notify';

export type Tab = QueueTab | 'visitors';
export type Sort = 'activity' | 'new';
export type View = 'desk' | 'preferences';

/** A conversation as one lifecycle command left it, or the command's error. */
type LifecycleCommand = 'conversation.status' | 'conversation.assign' | 'conversation.transfer' | 'conversation.flag' | 'conversation.wrapup' | 'conversations.list';

interface VisitorDetails {
  visitor: Visitor;
  pages: PageView[];
}

/** A name for a visitor who has not said who they are. */
export function visitorName(v: Pick<Visitor, 'id' | 'name' | 'email'> | undefined, id = v?.id ?? ''): string {
  return v?.name || v?.email || `Visitor ${id.slice(-4).toUpperCase()}`;
}

/** Replaces one entry of a signal's map, so readers see a new map. */
function put<K, V>(m: Map<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(m);
  next.set(key, value);
  return next;
}

/**
 * DeskStore is the agent's view of the workspace: conversations, online
 * visitors and agents from the socket's welcome and snapshot, kept current
 * by live deltas; the open conversation's history from the Session; and
 * what this agent has seen (per browser) for the green and blue markers.
 */
export class DeskStore {
  readonly conn = signal<ConnState>('connecting');
  readonly closeCode = signal<number | undefined>(undefined);
  readonly me = signal<Agent | null>(null);
  readonly sites = signal<Site[]>([]);
  readonly departments = signal<Department[]>([]);
  readonly agents = signal(new Map<string, Agent>());
  /** Every agent's name (GET /api/v1/agents), also for agents the snapshot lacks. */
  readonly agentDirectory = signal(new Map<string, string>());
  readonly conversations = signal(new Map<string, Conversation>());
  readonly visitors = signal(new Map<string, Visitor>());
  readonly details = signal(new Map<string, VisitorDetails>());
  /** Conversation id → who is typing there (visitors and other agents). */
  readonly typing = signal(new Map<string, string>());
  /** Conversation id → when its visitor last wrote. */
  readonly customerAt = signal(new Map<string, string>());
  /** Conversation id → the last seq this agent has seen. */
  readonly seen = signal<Record<string, number>>({});

  readonly openId = signal('');
  readonly selectedVisitorId = signal('');
  readonly messages = signal<readonly Message[]>([]);
  readonly outgoing = signal<Outgoing[]>([]);

  readonly view = signal<View>(location.hash === '#preferences' ? 'preferences' : 'desk');
  readonly tab = signal<Tab>('live');
  /** Closed tab: only conversations this agent closed. */
  readonly closedByMe = signal(false);
  /** The conversation whose wrap-up form is open (after this agent closed it). */
  readonly wrapupFor = signal('');
  readonly search = signal('');
  readonly siteFilter = signal('');
  readonly departmentFilter = signal('');
  readonly agentFilter = signal('');
  readonly sort = signal<Sort>('activity');
  readonly detailsTab = signal<'details' | 'context'>('details');
  /** The clock for "time on site" and "5m ago", ticking every 20 s. */
  readonly now = signal(Date.now());

  readonly notifier = new Notifier((id) => this.open(id));
  readonly session: Session;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingOut: TypingSignal;
  private welcomed = false;

  constructor(readonly agentId: string) {
    this.seen.value = load(this.seenKey(), {});
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.session = new Session({
      url: `${proto}//${location.host}/api/v1/ws`,
      onWelcome: (w) => this.welcome(w),
      onEvent: (e) => this.event(e),
      onState: (s, code) => {
        this.conn.value = s;
        this.closeCode.value = code;
      },
      onChange: (id) => {
        if (id === this.openId.value) this.refresh();
      },
    });
    this.typingOut = new TypingSignal((on) => {
      if (this.openId.value) this.session.conn.notify('typing', { conversation_id: this.openId.value, on });
    });
  }

  start(): void {
    this.session.start();
    setInterval(() => (this.now.value = Date.now()), 20000);
    window.addEventListener('online', () => this.session.conn.wake());
    window.addEventListener('offline', () => this.session.conn.kick());
    // Messages that arrived while the tab was hidden count as seen once it shows.
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.openId.value) this.refresh();
    });
    const last = load<string>('livedesk:open', '', safeSession());
    if (last) this.openId.value = last;
  }

  // --- derived views ---

  readonly siteNames = computed(() => new Map(this.sites.value.map((s) => [s.id, s.name])));
  readonly departmentNames = computed(() => new Map(this.departments.value.map((d) => [d.id, d.name])));

  /** Visitors with a conversation that is not closed: "chatting" rather than "browsing". */
  readonly chatting = computed(() => {
    const m = new Map<string, string>();
    for (const c of this.conversations.value.values()) if (c.status !== 'closed') m.set(c.visitor_id, c.id);
    return m;
  });

  /** A live chat this agent has never opened (green in the queue). */
  isNew(c: Conversation): boolean {
    return c.status === 'open' && this.seen.value[c.id] === undefined;
  }

  hasActivity(c: Conversation): boolean {
    const seen = this.seen.value[c.id];
    return c.id !== this.openId.value && seen !== undefined && c.last_seq > seen;
  }

  displayName(visitorId: string): string {
    return visitorName(this.visitors.value.get(visitorId) ?? this.details.value.get(visitorId)?.visitor, visitorId);
  }

  agentName(id: string | undefined): string | undefined {
    if (!id) return undefined;
    return this.agents.value.get(id)?.name ?? this.agentDirectory.value.get(id);
  }

  readonly queue = computed(() => {
    const tab = this.tab.value;
    if (tab === 'visitors') return [];
    const filter = { tab, me: this.me.value?.id ?? this.agentId, closedByMe: this.closedByMe.value };
    const q = this.search.value.trim().toLowerCase();
    const site = this.siteFilter.value;
    const dept = this.departmentFilter.value;
    const agent = this.agentFilter.value;
    const names = this.siteNames.value;
    const list = [...this.conversations.value.values()].filter(
      (c) =>
        inQueue(c, filter) &&
        (!site || c.site_id === site) &&
        (!dept || c.department_id === dept) &&
        (!agent || (agent === 'none' ? !c.assignee_id : c.assignee_id === agent)) &&
        (!q ||
          [this.displayName(c.visitor_id), c.last_message, names.get(c.site_id) ?? '', c.id]
            .join(' ')
            .toLowerCase()
            .includes(q)),
    );
    const customer = this.customerAt.value;
    const key = (c: Conversation) =>
      tab === 'live' && this.sort.value === 'new' ? c.created_at : (customer.get(c.id) ?? c.last_activity_at);
    return list.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
  });

  readonly visitorList = computed(() => {
    const q = this.search.value.trim().toLowerCase();
    const site = this.siteFilter.value;
    return [...this.visitors.value.values()]
      .filter((v) => v.online && (!site || v.site_id === site))
      .filter((v) => !q || [visitorName(v), v.page_url, v.page_title].join(' ').toLowerCase().includes(q))
      .sort((a, b) => (a.session_start < b.session_start ? 1 : -1));
  });

  readonly counts = computed(() => {
    const n = { ...countQueues(this.conversations.value.values()), visitors: 0 };
    for (const v of this.visitors.value.values()) if (v.online) n.visitors++;
    return n;
  });

  /** Conversations that want attention: new, or with activity since last seen. */
  readonly attention = computed(() => {
    let n = 0;
    for (const c of this.conversations.value.values()) {
      if (c.status !== 'closed' && (this.isNew(c) || this.hasActivity(c))) n++;
    }
    return n;
  });

  readonly open$ = computed(() => this.conversations.value.get(this.openId.value));

  // --- actions ---

  open(id: string): void {
    const c = this.conversations.value.get(id);
    batch(() => {
      this.openId.value = id;
      this.selectedVisitorId.value = c?.visitor_id ?? '';
    });
    save('livedesk:open', id, safeSession());
    if (!c) return;
    this.session.track(id);
    this.refresh();
    this.loadVisitor(c.visitor_id);
  }

  selectVisitor(visitorId: string): void {
    const conv = this.chatting.value.get(visitorId);
    if (conv) {
      this.open(conv);
      return;
    }
    batch(() => {
      this.openId.value = '';
      this.selectedVisitorId.value = visitorId;
    });
    this.loadVisitor(visitorId);
  }

  send(text: string): void {
    const id = this.openId.value;
    if (!id || !text.trim()) return;
    this.typingOut.stop();
    this.session.send(id, text.trim());
  }

  retry(clientMsgId: string): void {
    this.session.retry(clientMsgId);
  }

  typingInput(): void {
    this.typingOut.input();
  }

  setStatus(status: AgentStatus): Promise<void> {
    return this.session.request('agent.status', { status }).then((ack) => {
      if (ack.agent) this.upsertAgent(ack.agent);
    });
  }

  // --- lifecycle (docs/lifecycle.md); each resolves with the updated conversation ---

  private lifecycle(type: LifecycleCommand, fields: Record<string, unknown>): Promise<Conversation | undefined> {
    return this.session.request(type, fields).then((ack) => {
      if (ack.conversation) this.upsertConversation(ack.conversation);
      for (const c of ack.conversations ?? []) this.upsertConversation(c);
      return ack.conversation;
    });
  }

  /** Marks pending, snoozes (with until), reopens (open) or closes the open conversation. */
  setConversationStatus(id: string, status: ConversationStatus, until?: string): Promise<Conversation | undefined> {
    return this.lifecycle('conversation.status', { conversation_id: id, status, ...(until ? { snooze_until: until } : {}) }).then((c) => {
      if (status === 'closed') this.wrapupFor.value = id;
      else if (this.wrapupFor.value === id) this.wrapupFor.value = '';
      return c;
    });
  }

  /** Takes an unassigned conversation for this agent. */
  pickUp(id: string): Promise<Conversation | undefined> {
    return this.lifecycle('conversation.assign', { conversation_id: id });
  }

  transfer(id: string, to: { agent_id: string } | { department_id: string }, note: string): Promise<Conversation | undefined> {
    return this.lifecycle('conversation.transfer', { conversation_id: id, ...to, ...(note.trim() ? { note: note.trim() } : {}) });
  }

  setFlag(id: string, flagged: boolean): Promise<Conversation | undefined> {
    return this.lifecycle('conversation.flag', { conversation_id: id, flagged });
  }

  wrapup(id: string, notes: string, tags: string[]): Promise<Conversation | undefined> {
    return this.lifecycle('conversation.wrapup', { conversation_id: id, notes, tags }).then((c) => {
      if (this.wrapupFor.value === id) this.wrapupFor.value = '';
      return c;
    });
  }

  /** Loads the closed conversations this agent closed (beyond the welcome's latest 100). */
  loadClosedByMe(): void {
    const me = this.me.value?.id ?? this.agentId;
    void this.lifecycle('conversations.list', { status: 'closed', closed_by_agent_id: me, limit: 200 }).catch(() => undefined);
  }

  showView(view: View): void {
    this.view.value = view;
    history.replaceState(null, '', view === 'preferences' ? '#preferences' : location.pathname + location.search);
  }

  loadVisitor(visitorId: string): void {
    this.session
      .request('visitor.get', { visitor_id: visitorId })
      .then((ack) => {
        if (ack.visitor) this.details.value = put(this.details.value, visitorId, { visitor: ack.visitor, pages: ack.pages ?? [] });
      })
      .catch(() => undefined); // shown again after the next welcome or selection
  }

  // --- the socket ---

  private seenKey(): string {
    return `livedesk:seen:${this.agentId}`;
  }

  private markSeen(c: Conversation): void {
    if (this.seen.value[c.id] === c.last_seq) return;
    this.seen.value = { ...this.seen.value, [c.id]: c.last_seq };
    save(this.seenKey(), this.seen.value);
  }

  /** Copies the open conversation's history from the session. */
  private refresh(): void {
    const id = this.openId.value;
    const msgs = this.session.messages(id);
    batch(() => {
      this.messages.value = [...msgs];
      this.outgoing.value = this.session.outgoing(id);
      const c = this.conversations.value.get(id);
      const last = msgs.at(-1);
      if (c && last && last.seq > c.last_seq) {
        const preview = last.kind === 'text' && !last.private ? last.body : c.last_message;
        this.conversations.value = put(this.conversations.value, id, { ...c, last_seq: last.seq, last_message: preview });
      }
      const now = this.conversations.value.get(id);
      if (now && !document.hidden) this.markSeen(now);
    });
  }

  private welcome(w: Welcome): void {
    batch(() => {
      if (w.agent) this.me.value = w.agent;
      // Snapshot, then deltas: the welcome's list replaces what was held
      // (a chat that changed while disconnected shows in its new tab);
      // the open conversation and earlier "closed by me" loads are kept.
      const convs = new Map(w.conversations.map((c) => [c.id, c]));
      for (const [id, c] of this.conversations.value) {
        if (!convs.has(id) && (id === this.openId.value || c.status === 'closed')) convs.set(id, c);
      }
      this.conversations.value = convs;
      const open = this.openId.value;
      if (open && convs.has(open)) this.open(open);
      else if (this.selectedVisitorId.value) this.loadVisitor(this.selectedVisitorId.value);
    });
    this.welcomed = true;
  }

  private upsertAgent(a: Agent): void {
    this.agents.value = put(this.agents.value, a.id, a);
    if (a.id === this.me.value?.id) this.me.value = a;
  }

  private event(e: ServerEvent): void {
    switch (e.type) {
      case 'snapshot':
        batch(() => {
          this.visitors.value = new Map(e.visitors.map((v) => [v.id, v]));
          this.agents.value = new Map(e.agents.map((a) => [a.id, a]));
        });
        break;
      case 'conversation':
        this.upsertConversation(e.conversation);
        break;
      case 'message':
        this.messageEvent(e.message);
        break;
      case 'typing':
        if (e.author_id !== this.me.value?.id) {
          this.setTyping(e.conversation_id, e.on ? e.author_name || this.displayName(e.author_id) : null);
        }
        break;
      case 'visitor':
        this.visitorEvent(e.visitor);
        break;
      case 'visitor.left': {
        const next = new Map(this.visitors.value);
        next.delete(e.visitor_id);
        this.visitors.value = next;
        break;
      }
      case 'agent':
        this.upsertAgent(e.agent);
        break;
    }
  }

  private upsertConversation(c: Conversation): void {
    const before = this.conversations.value.get(c.id);
    // An older copy (an ack racing its own event) never overwrites a newer one.
    if (before && Date.parse(before.updated_at) > Date.parse(c.updated_at)) return;
    // last_seq and the preview move with message events; keep the furthest.
    const next = before && before.last_seq > c.last_seq ? { ...c, last_seq: before.last_seq, last_message: before.last_message } : c;
    this.conversations.value = put(this.conversations.value, c.id, next);
    if (!this.welcomed) return;
    const me = this.me.value?.id ?? this.agentId;
    if (!before && c.status === 'open') {
      this.notifier.notify({
        title: 'New chat',
        body: `${this.displayName(c.visitor_id)} on ${this.siteNames.value.get(c.site_id) ?? 'a site'}`,
        conversationId: c.id,
        tone: 'new',
      });
    } else if (before && c.assignee_id === me && before.assignee_id !== me && c.status !== 'closed' && c.id !== this.openId.value) {
      this.notifier.notify({
        title: 'Chat assigned to you',
        body: `${this.displayName(c.visitor_id)} on ${this.siteNames.value.get(c.site_id) ?? 'a site'}`,
        conversationId: c.id,
        tone: 'new',
      });
    }
  }

  private messageEvent(m: Message): void {
    const c = this.conversations.value.get(m.conversation_id);
    if (!c) return;
    batch(() => {
      if (m.seq > c.last_seq) {
        const text = m.kind === 'text' && !m.private;
        this.conversations.value = put(this.conversations.value, c.id, {
          ...c,
          last_seq: m.seq,
          last_message: text ? m.body : c.last_message,
          last_activity_at: text ? m.created_at : c.last_activity_at,
        });
      }
      if (m.author_type === 'visitor') {
        this.customerAt.value = put(this.customerAt.value, c.id, m.created_at);
        this.setTyping(c.id, null);
      }
    });
    const looking = c.id === this.openId.value && !document.hidden;
    const fresh = m.seq > (this.seen.value[c.id] ?? 0);
    if (m.author_type === 'visitor' && !looking && fresh) {
      this.notifier.notify({
        title: `Message from ${this.displayName(c.visitor_id)}`,
        body: m.body.length > 120 ? `${m.body.slice(0, 117)}…` : m.body,
        conversationId: c.id,
        tone: 'info',
      });
    }
  }

  private visitorEvent(v: Visitor): void {
    batch(() => {
      const next = new Map(this.visitors.value);
      if (v.online) next.set(v.id, v);
      else next.delete(v.id);
      this.visitors.value = next;
      const d = this.details.value.get(v.id);
      if (d) this.details.value = put(this.details.value, v.id, { ...d, visitor: v });
    });
    // A visitor event means a new page or a socket change: refresh the pages shown.
    if (v.id === this.selectedVisitorId.value) this.loadVisitor(v.id);
  }

  private setTyping(conversationId: string, who: string | null): void {
    clearTimeout(this.typingTimers.get(conversationId));
    if (!who && !this.typing.value.has(conversationId)) return;
    const next = new Map(this.typing.value);
    if (who) {
      next.set(conversationId, who);
      this.typingTimers.set(
        conversationId,
        setTimeout(() => this.setTyping(conversationId, null), TYPING_EXPIRE_MS),
      );
    } else {
      next.delete(conversationId);
    }
    this.typing.value = next;
  }
}
