import { batch, computed, effect, signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import type { ConnState } from '../shared/connection';
import {
  type Agent,
  type AgentStatus,
  type Board,
  type Contact,
  type Conversation,
  type ConversationStatus,
  type FilePolicy,
  type InboxItem,
  type Message,
  type ServerEvent,
  type Ticket,
  type Visitor,
  type WhatsAppState,
  type Welcome,
} from '../shared/protocol';
import { deliveredUpTo } from '../shared/receipts';
import { type Outgoing, Session } from '../shared/session';
import { load, safeSession, save } from '../shared/storage';
import { TYPING_EXPIRE_MS, TypingSignal } from '../shared/typing';

/** How often a desk repeats conversation.view, and when others drop a viewer not repeated. */
const VIEW_REPEAT_MS = 60_000;
const VIEWER_EXPIRE_MS = 2 * VIEW_REPEAT_MS;
/** Closed conversations per page (conversations.list). */
const CLOSED_PAGE = 100;
import type { Department, Site } from './api';
import { forMe, type QueueTab, type WatchScope, watchScope } from './lifecycle';
import { Notifier } from './notify';
import { route } from './router';
import { granted, has, type Permission } from './permissions';
import {
  applyEvent,
  applyHistory,
  applyWelcome,
  attention,
  chatting,
  inboxNotice,
  conversationNotice,
  counts,
  type DeskData,
  displayName,
  hasActivity,
  isNew,
  markSeen,
  mergeSeen,
  messageNotice,
  needsWrapup,
  agentNotice,
  visitorDropNotice,
  visitorNotice,
  setViewer,
  upsertConversations,
  type Viewers,
  type Notice,
  put,
  queue,
  type Seen,
  setTyping,
  type Sort,
  type VisitorDetails,
  visitorList,
} from './state';

export { visitorName } from './state';
export type { Sort } from './state';
export type Tab = QueueTab;


/** A conversation as one lifecycle command left it, or the command's error. */
type LifecycleCommand = 'conversation.status' | 'conversation.assign' | 'conversation.transfer' | 'conversation.flag' | 'conversation.wrapup' | 'conversations.list';

/**
 * DeskStore is the agent's view of the workspace: conversations, online
 * visitors and agents from the socket's welcome and snapshot, kept current
 * by live deltas; the open conversation's history from the Session; and
 * what this agent has seen (per browser) for the green and blue markers.
 * The state updates are the pure functions of state.ts; this class holds
 * them in signals and does the side effects (socket, storage, timers, toasts).
 */
export class DeskStore {
  readonly conn = signal<ConnState>('connecting');
  readonly closeCode = signal<number | undefined>(undefined);
  readonly me = signal<Agent | null>(null);
  /** What this agent may do, as the server says (welcome, else GET /me); none until told. */
  readonly permissions = signal<readonly string[]>([]);
  readonly sites = signal<Site[]>([]);
  readonly departments = signal<Department[]>([]);
  /** Counts ticket events: the Tickets area reloads its queue when it moves. */
  readonly ticketChanges = signal(0);
  /** Who hears every ticket and board event (the board on screen): a set, since one socket message may carry several. */
  readonly ticketListeners = new Set<(t: Ticket) => void>();
  readonly boardListeners = new Set<(b: Board) => void>();
  /** Who hears a broadcast changed or deleted (the Broadcasts area): the frame itself, so one set serves both. */
  readonly broadcastListeners = new Set<(e: Extract<ServerEvent, { type: 'broadcast' | 'broadcast.removed' }>) => void>();
  /** The last contact event: a contact on screen is read again (contacts/). */
  readonly contactChanged = signal<{ contact: Contact; erased: boolean } | null>(null);
  /** The agent's unread inbox items (the bell), as the server last said. */
  readonly inboxUnread = signal(0);
  /** Inbox items that arrived live, by id (the Inbox area merges them into its pages). */
  readonly inboxLive = signal<ReadonlyMap<string, InboxItem>>(new Map());
  /** Counts welcomes: the Inbox area reads its page again after a reconnect (and the broadcasts list its list). */
  readonly inboxEpoch = signal(0);
  /** The newest inbox item's seq this desk knows (welcome, then events). */
  private inboxSeq = 0;
  /** Conversations a comment mentioned this agent in (the Tagged tab shows those not closed). */
  readonly tagged = signal<ReadonlySet<string>>(new Set());
  readonly agents = signal<ReadonlyMap<string, Agent>>(new Map());
  /** Every agent's name (GET /api/v1/agents), also for agents the snapshot lacks. */
  readonly agentDirectory = signal<ReadonlyMap<string, string>>(new Map());
  readonly conversations = signal<ReadonlyMap<string, Conversation>>(new Map());
  readonly visitors = signal<ReadonlyMap<string, Visitor>>(new Map());
  readonly details = signal<ReadonlyMap<string, VisitorDetails>>(new Map());
  /** Conversation id → who is typing there (visitors and other agents). */
  readonly typing = signal<ReadonlyMap<string, string>>(new Map());
  /** Conversation id → the other agents who have it on screen. */
  readonly viewers = signal<Viewers>(new Map());
  private readonly viewerTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private closedSearch: ReturnType<typeof setTimeout> | undefined;
  /** Conversation id → the last conversation.delivered this desk sent. */
  private readonly delivered = new Map<string, number>();
  /** Conversation id → when its visitor last wrote. */
  readonly customerAt = signal<ReadonlyMap<string, string>>(new Map());
  /** Conversation id → the last seq this agent has seen. */
  readonly seen = signal<Seen>({});

  readonly openId = signal('');
  readonly selectedVisitorId = signal('');
  readonly messages = signal<readonly Message[]>([]);
  /** The open chat's newest visitor message, for screen readers (a polite live region). */
  readonly said = signal('');
  readonly outgoing = signal<Outgoing[]>([]);
  /** What the workspace accepts as attachments (welcome.files). */
  readonly files = signal<FilePolicy | null>(null);
  /** Why the last file picked was not sent. */
  readonly fileNotice = signal('');
  /** Conversation id → its WhatsApp state as last told (events here; whatsapp/ reads it on open). */
  readonly whatsapp = signal<ReadonlyMap<string, WhatsAppState>>(new Map());
  /** Seq → a line under that message of the open chat, set by its channel's chunk (whatsapp/: not delivered). */
  readonly seqNotes = signal<ReadonlyMap<number, ComponentChildren>>(new Map());

  readonly tab = signal<Tab>('live');
  /** Closed tab: only conversations this agent closed. */
  readonly closedByMe = signal(false);
  /** The conversation whose wrap-up form is open (after this agent closed it). */
  readonly wrapupFor = signal('');
  readonly search = signal('');
  /** The visitor sidebar's own search, and whether it is folded away (kept per browser). */
  readonly visitorSearch = signal('');
  readonly visitorsOpen = signal(load<boolean>('livedesk:visitors-open', true));
  readonly siteFilter = signal('');
  readonly departmentFilter = signal('');
  readonly agentFilter = signal('');
  readonly sort = signal<Sort>('activity');
  readonly detailsTab = signal<'details' | 'context'>('details');
  /** The clock for "time on site" and "5m ago", ticking every 20 s. */
  readonly now = signal(Date.now());

  readonly notifier = new Notifier((t) => this.show(t));
  readonly session: Session;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingOut: TypingSignal;
  private welcomed = false;
  /** The desk.watch scope the server holds for this socket ('all' until asked), and whether a change is under way. */
  private watched: WatchScope = 'all';
  private watching = false;

  /** permissions: GET /me's, until the socket's welcome says. */
  constructor(
    readonly agentId: string,
    permissions?: readonly string[],
  ) {
    this.permissions.value = granted(permissions);
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
      // The upload code is loaded with the first file (its own chunk).
      upload: (o, progress) =>
        import('../shared/upload').then((m) =>
          m.postFile(`/api/v1/conversations/${o.conversation_id}/files?${new URLSearchParams({ client_msg_id: o.client_msg_id, name: o.text })}`, {}, o.file as File, progress),
        ),
    });
    this.typingOut = new TypingSignal((on) => {
      if (this.openId.value) this.session.conn.notify('typing', { conversation_id: this.openId.value, on });
    });
  }

  start(): void {
    this.session.start();
    setInterval(() => (this.now.value = Date.now()), 20000);
    // Other desks drop a viewer not repeated within VIEWER_EXPIRE_MS.
    setInterval(() => this.announceViewing(), VIEW_REPEAT_MS);
    window.addEventListener('online', () => this.session.conn.wake());
    window.addEventListener('offline', () => this.session.conn.kick());
    // Messages that arrived while the tab was hidden count as seen once it shows.
    document.addEventListener('visibilitychange', () => this.backOnScreen());
    const last = load<string>('livedesk:open', '', safeSession());
    if (last) this.openId.value = last;
    // Mine and Unassigned are kept per browser: in a large team an agent
    // who works from Mine is not sent everyone's messages (desk.watch).
    const view = load<string>('livedesk:view', '');
    if (view === 'mine') this.agentFilter.value = this.myId();
    else if (view === 'none') this.agentFilter.value = 'none';
    effect(() => {
      const f = this.agentFilter.value;
      save('livedesk:view', f === 'none' ? 'none' : f !== '' && f === this.myId() ? 'mine' : '');
    });
    effect(() => this.syncWatch(this.watchScope.value));
  }

  /** Which chats' messages, typing and receipts this desk needs (lifecycle.watchScope). */
  readonly watchScope = computed(() => watchScope(this.agentFilter.value, this.myId(), this.tab.value));

  /**
   * Tells the server the scope when it differs from what this socket has.
   * Widening answers with the list as it is now: the previews and last
   * seqs of the chats this desk was not following.
   */
  private syncWatch(scope: WatchScope): void {
    if (!this.welcomed || scope === this.watched || this.watching || this.session.conn.state !== 'open') return;
    this.watching = true;
    this.session.conn
      .request('desk.watch', { scope })
      .then((ack) => {
        this.watched = scope;
        this.conversations.value = upsertConversations(this.conversations.value, ack.conversations ?? []);
        this.watching = false;
        this.syncWatch(this.watchScope.value); // the view may have changed meanwhile
      })
      .catch(() => {
        // Refused for now, or gone with the socket (then the next welcome
        // starts from 'all'): ask again in a while, if still needed.
        this.watching = false;
        setTimeout(() => this.syncWatch(this.watchScope.value), 2000);
      });
  }

  /**
   * Brings a held chat up to date when this desk may not have been sent
   * all of it: while it follows only its own, or when the list knows of
   * later messages than the history holds (a chat it was not following
   * before it widened).
   */
  private catchUp(id: string): void {
    this.session.catchUp(id, this.watched === 'mine' ? Infinity : (this.conversations.value.get(id)?.last_seq ?? 0));
  }

  /**
   * Whether conversation id is on this agent's screen: open, in a visible
   * tab, and not behind the settings area.
   */
  onScreen(id: string): boolean {
    return id !== '' && id === this.openId.value && !document.hidden && route.value.area === 'live';
  }

  /**
   * Back from the settings area or a hidden tab: what arrived meanwhile is
   * on screen now. The server is told the chat is shown again, and what it
   * did not send while this desk followed only its own chats is loaded.
   */
  backOnScreen(): void {
    const id = this.openId.value;
    if (!this.onScreen(id)) return;
    this.refresh();
    this.announceViewing();
    if (this.conversations.value.has(id)) this.catchUp(id);
  }

  /** Whether the server lets this agent do p. */
  can(p: Permission): boolean {
    return has(this.permissions.value, p);
  }

  // --- derived views ---

  readonly siteNames = computed(() => new Map(this.sites.value.map((s) => [s.id, s.name])));
  readonly departmentNames = computed(() => new Map(this.departments.value.map((d) => [d.id, d.name])));

  /** Visitors with a conversation that is not closed: "chatting" rather than "browsing". */
  readonly chatting = computed(() => chatting(this.conversations.value.values()));

  /** A live chat this agent has never opened (green in the queue). */
  isNew(c: Conversation): boolean {
    return isNew(c, this.seen.value, this.myId());
  }

  hasActivity(c: Conversation): boolean {
    return hasActivity(c, this.seen.value, this.openId.value);
  }

  displayName(visitorId: string): string {
    return displayName({ visitors: this.visitors.value, details: this.details.value }, visitorId);
  }

  agentName(id: string | undefined): string | undefined {
    if (!id) return undefined;
    return this.agents.value.get(id)?.name ?? this.agentDirectory.value.get(id);
  }

  readonly queue = computed(() => {
    const tab = this.tab.value;
    return queue(this.conversations.value.values(), {
      tab,
      me: this.myId(),
      closedByMe: this.closedByMe.value,
      tagged: this.tagged.value,
      search: this.search.value,
      site: this.siteFilter.value,
      department: this.departmentFilter.value,
      agent: this.agentFilter.value,
      sort: this.sort.value,
      name: (id) => this.displayName(id),
      siteNames: this.siteNames.value,
      customerAt: this.customerAt.value,
    });
  });

  readonly visitorList = computed(() => visitorList(this.visitors.value.values(), this.visitorSearch.value, this.siteFilter.value));

  readonly counts = computed(() => counts(this.conversations.value.values(), this.visitors.value.values(), this.myId(), this.tagged.value));

  /** Conversations that want attention: new, or with activity since last seen. */
  readonly attention = computed(() => attention(this.conversations.value.values(), this.seen.value, this.openId.value, this.myId()));

  readonly open$ = computed(() => this.conversations.value.get(this.openId.value));

  // --- actions ---

  open(id: string): void {
    const c = this.conversations.value.get(id);
    batch(() => {
      this.openId.value = id;
      this.selectedVisitorId.value = c?.visitor_id ?? '';
      this.said.value = '';
    });
    save('livedesk:open', id, safeSession());
    if (!c) return;
    this.announceViewing();
    this.session.track(id);
    this.catchUp(id);
    this.refresh();
    this.loadVisitor(c.visitor_id);
  }

  /** What a toast is about: its conversation, else its visitor (a new visitor). */
  show(t: { conversationId?: string; visitorId?: string }): void {
    if (t.conversationId) this.open(t.conversationId);
    else if (t.visitorId) this.selectVisitor(t.visitorId);
  }

  toggleVisitors(): void {
    this.visitorsOpen.value = !this.visitorsOpen.value;
    save('livedesk:visitors-open', this.visitorsOpen.value);
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

  /**
   * Sends a message in the open chat. Answering a live chat nobody has
   * taken takes it, as an agent expects (the assignment may be refused,
   * e.g. at capacity: the message goes anyway).
   */
  send(text: string): void {
    const id = this.openId.value;
    if (!id || !text.trim()) return;
    this.typingOut.stop();
    const c = this.conversations.value.get(id);
    if (c && c.status === 'open' && !c.assignee_id) void this.pickUp(id).catch(() => undefined);
    this.session.send(id, text.trim());
  }

  /** Sends files to the open chat, each as its own message (desk/attach.ts, loaded with the first file). */
  attach(files: File[]): void {
    const id = this.openId.value;
    if (id) void import('./attach').then((m) => m.attach(this, id, files));
  }

  discard(clientMsgId: string): void {
    this.session.discard(clientMsgId);
  }

  /**
   * Adds a private comment to the open chat, mentioning agents (ids, or
   * "supervisors"). id makes a retry safe: the same comment is stored once.
   * It resolves when stored; the comment arrives in the history as every
   * desk's does.
   */
  comment(text: string, mentions: string[], id: string): Promise<void> {
    const conv = this.openId.value;
    return this.session.request('comment.send', { conversation_id: conv, client_msg_id: id, text: text.trim(), mentions }).then(() => undefined);
  }

  /** Edits (text) or deletes (null) one of this agent's comments in the open chat. */
  reviseComment(messageId: string, text: string | null): Promise<void> {
    const conv = this.openId.value;
    const fields = { conversation_id: conv, message_id: messageId };
    return this.session.request(text === null ? 'comment.delete' : 'comment.edit', text === null ? fields : { ...fields, text: text.trim() }).then(() => undefined);
  }

  retry(clientMsgId: string): void {
    this.session.retry(clientMsgId);
  }

  typingInput(): void {
    this.typingOut.input();
  }

  setStatus(status: AgentStatus): Promise<void> {
    return this.session.request('agent.status', { status }).then((ack) => {
      if (ack.agent) this.event({ type: 'agent', agent: ack.agent });
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

  /**
   * Loads the next page of closed conversations, older than the oldest
   * held (the welcome holds the latest 100). Resolves to how many came.
   */
  loadOlderClosed(): Promise<number> {
    let oldest: Conversation | undefined;
    for (const c of this.conversations.value.values()) {
      if (c.status !== 'closed') continue;
      if (!oldest || c.last_activity_at < oldest.last_activity_at || (c.last_activity_at === oldest.last_activity_at && c.id < oldest.id)) oldest = c;
    }
    return this.session
      .request('conversations.list', { status: 'closed', limit: CLOSED_PAGE, ...(oldest ? { before_id: oldest.id } : {}) })
      .then((ack) => {
        for (const c of ack.conversations ?? []) this.upsertConversation(c);
        return ack.conversations?.length ?? 0;
      });
  }

  /** Searches every closed conversation on the server (debounced), beyond those held. */
  searchClosed(q: string): void {
    clearTimeout(this.closedSearch);
    if (q.trim().length < 2) return;
    this.closedSearch = setTimeout(() => {
      void this.lifecycle('conversations.list', { status: 'closed', q: q.trim().slice(0, 100), limit: CLOSED_PAGE }).catch(() => undefined);
    }, 300);
  }

  /** Loads the closed conversations this agent closed (beyond the welcome's latest 100). */
  loadClosedByMe(): void {
    void this.lifecycle('conversations.list', { status: 'closed', closed_by_agent_id: this.myId(), limit: 200 }).catch(() => undefined);
  }

  /**
   * Starts a chat with a browsing visitor (conversation.invite): the chat is
   * this agent's and opens here; the text is its first message. Retrying
   * the same invitation (same id) stores nothing twice.
   */
  invite(visitorId: string, text: string, clientMsgId: string): Promise<void> {
    return this.session.request('conversation.invite', { visitor_id: visitorId, client_msg_id: clientMsgId, text }).then((ack) => {
      if (!ack.conversation) return;
      this.upsertConversation(ack.conversation);
      this.open(ack.conversation.id);
    });
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

  private myId(): string {
    return this.me.value?.id ?? this.agentId;
  }

  private seenKey(): string {
    return `livedesk:seen:${this.agentId}`;
  }

  private markSeen(c: Conversation): void {
    const seen = markSeen(this.seen.value, c);
    if (seen === this.seen.value) return;
    this.setSeen(seen);
    // Kept by the server too, so this agent's other tabs and browsers agree.
    this.session.conn.notify('conversation.seen', { conversation_id: c.id, seq: c.last_seq });
  }

  private setSeen(seen: Seen): void {
    if (seen === this.seen.value) return;
    this.seen.value = seen;
    save(this.seenKey(), seen);
  }

  private notify(n: Notice | null): void {
    if (n) this.notifier.notify(n);
  }

  private noticeContext() {
    return {
      me: this.myId(),
      openId: this.openId.value,
      name: (id: string) => this.displayName(id),
      siteName: (id: string) => this.siteNames.value.get(id),
    };
  }

  /** Copies the open conversation's history from the session. */
  private refresh(): void {
    const id = this.openId.value;
    const msgs = this.session.messages(id);
    batch(() => {
      this.messages.value = [...msgs];
      this.outgoing.value = this.session.outgoing(id);
      this.conversations.value = applyHistory(this.conversations.value, id, msgs);
      const now = this.conversations.value.get(id);
      if (now && this.onScreen(id)) this.markSeen(now);
    });
  }

  /**
   * Tells the visitor a message of theirs reached my desk while the chat is
   * not on my screen: only for my own chats (conversation.delivered).
   */
  private markDelivered(c: Conversation, m: Message): void {
    if (c.assignee_id !== this.myId()) return;
    const reported = Math.max(this.delivered.get(c.id) ?? 0, c.agent_delivered_seq ?? 0, c.agent_read_seq ?? 0);
    const seq = deliveredUpTo([m], (x) => x.author_type !== 'visitor', reported);
    if (seq === null) return;
    this.delivered.set(c.id, seq);
    this.session.conn.notify('conversation.delivered', { conversation_id: c.id, seq });
  }

  private welcome(w: Welcome): void {
    batch(() => {
      if (w.agent) this.me.value = w.agent;
      // A desk welcome without permissions (an older server) grants none.
      this.permissions.value = granted(w.permissions);
      this.setSeen(mergeSeen(this.seen.value, w.seen));
      this.conversations.value = applyWelcome(this.conversations.value, w.conversations, this.openId.value);
      this.inboxUnread.value = w.inbox?.unread ?? 0;
      this.inboxSeq = Math.max(this.inboxSeq, w.inbox?.seq ?? 0);
      this.tagged.value = new Set(w.tagged ?? []);
      this.files.value = w.files ?? null;
      this.inboxEpoch.value++;
      const open = this.openId.value;
      if (open && this.conversations.value.has(open)) this.open(open);
      else if (this.selectedVisitorId.value) this.loadVisitor(this.selectedVisitorId.value);
    });
    this.welcomed = true;
    // A new socket follows every chat until it asks.
    this.watched = 'all';
    this.watching = false;
    this.syncWatch(this.watchScope.value);
  }

  /** The socket-fed signals as one DeskData. */
  private data(): DeskData {
    return {
      conversations: this.conversations.value,
      visitors: this.visitors.value,
      agents: this.agents.value,
      details: this.details.value,
      typing: this.typing.value,
      customerAt: this.customerAt.value,
    };
  }

  private event(e: ServerEvent): void {
    const before = this.data();
    const after = applyEvent(before, e, this.me.value?.id ?? '');
    batch(() => {
      this.conversations.value = after.conversations;
      this.visitors.value = after.visitors;
      this.agents.value = after.agents;
      this.details.value = after.details;
      this.typing.value = after.typing;
      this.customerAt.value = after.customerAt;
      if (e.type === 'agent' && e.agent.id === this.me.value?.id) this.me.value = e.agent;
    });
    switch (e.type) {
      case 'conversation': {
        const was = before.conversations.get(e.conversation.id);
        if (after.conversations !== before.conversations && this.welcomed) {
          this.notify(conversationNotice(was, e.conversation, this.noticeContext()));
        }
        // A chat that just became mine or the queue's: a message stored
        // while it was another's may have been published after this
        // change, to that agent's desks only.
        if (was && was.assignee_id !== e.conversation.assignee_id && forMe(e.conversation, this.myId())) this.catchUp(e.conversation.id);
        // My chat closed, whoever closed it: the wrap-up form opens for it.
        if (needsWrapup(was, e.conversation, this.myId()) && (!this.wrapupFor.value || this.openId.value === e.conversation.id)) {
          this.wrapupFor.value = e.conversation.id;
        }
        break;
      }
      case 'message': {
        const c = before.conversations.get(e.message.conversation_id);
        const looking = c !== undefined && this.onScreen(c.id);
        if (c && !looking) this.markDelivered(c, e.message);
        else if (looking && e.message.author_type === 'visitor') this.said.value = `${this.displayName(c.visitor_id)}: ${e.message.body}`;
        this.notify(messageNotice(c, e.message, this.seen.value, looking, (id) => this.displayName(id), this.myId()));
        if (after.typing !== before.typing) this.expireTyping(e.message.conversation_id);
        break;
      }
      case 'typing':
        if (after.typing !== before.typing) this.expireTyping(e.conversation_id);
        break;
      case 'seen':
        if (e.agent_id === this.myId()) this.setSeen(mergeSeen(this.seen.value, { [e.conversation_id]: e.seq }));
        break;
      case 'viewing':
        if (e.agent_id !== this.myId()) this.setViewer(e.conversation_id, e.agent_id, e.on ? e.agent_name : null);
        break;
      case 'visitor': {
        // A visitor event means a new page or a socket change: refresh the pages shown.
        if (e.visitor.id === this.selectedVisitorId.value) this.loadVisitor(e.visitor.id);
        const conv = this.conversations.value.get(this.chatting.value.get(e.visitor.id) ?? '');
        const was = before.visitors.get(e.visitor.id);
        const name = this.displayName(e.visitor.id);
        this.notify(visitorDropNotice(was, e.visitor, conv, this.myId(), name));
        this.notify(visitorNotice(e.new, was, e.visitor, conv, name, this.siteNames.value.get(e.visitor.site_id)));
        break;
      }
      case 'agent':
        this.notify(agentNotice(before.agents.get(e.agent.id), e.agent, this.myId()));
        break;
      case 'ticket':
        this.ticketChanges.value++;
        for (const f of this.ticketListeners) f(e.ticket);
        break;
      case 'board':
        for (const f of this.boardListeners) f(e.board);
        break;
      case 'broadcast':
      case 'broadcast.removed':
        for (const f of this.broadcastListeners) f(e);
        break;
      case 'contact':
        this.contactChanged.value = { contact: e.contact, erased: !!e.erased };
        break;
      case 'inbox':
        this.inboxEvent(e.items, e.unread);
        break;
      case 'whatsapp':
        this.whatsapp.value = put(this.whatsapp.value, e.whatsapp.conversation_id, e.whatsapp);
        break;
    }
  }

  /** New or changed inbox items: the bell, the Tagged tab, and a notice for each new unread one. */
  private inboxEvent(items: InboxItem[], unread: number): void {
    const live = new Map(this.inboxLive.value);
    const tagged = new Set(this.tagged.value);
    for (const it of items) {
      live.set(it.id, it);
      if (it.kind === 'mention' && it.conversation_id) tagged.add(it.conversation_id);
      // Only an item newer than any this desk knew is news: a mark
      // (read, unread, archive) comes back with the seq it had.
      if (!it.read_at && !it.archived_at && it.seq > this.inboxSeq) this.notify(inboxNotice(it));
      this.inboxSeq = Math.max(this.inboxSeq, it.seq);
    }
    batch(() => {
      this.inboxLive.value = live;
      this.inboxUnread.value = unread;
      if (tagged.size !== this.tagged.value.size) this.tagged.value = tagged;
    });
  }

  /** A conversation from a command's ack: applied as a conversation event. */
  private upsertConversation(c: Conversation): void {
    this.event({ type: 'conversation', conversation: c });
  }

  /** Records a viewer, expiring it unless repeated: a desk that vanished must not stay "viewing". */
  private setViewer(conversationId: string, agentId: string, name: string | null): void {
    const key = `${conversationId} ${agentId}`;
    clearTimeout(this.viewerTimers.get(key));
    this.viewerTimers.delete(key);
    this.viewers.value = setViewer(this.viewers.value, conversationId, agentId, name);
    if (name !== null) {
      this.viewerTimers.set(
        key,
        setTimeout(() => this.setViewer(conversationId, agentId, null), VIEWER_EXPIRE_MS),
      );
    }
  }

  /** Tells the other desks which conversation this one shows (repeated: see start). */
  private announceViewing(): void {
    const id = this.openId.value;
    if (this.onScreen(id)) this.session.conn.notify('conversation.view', { conversation_id: id, on: true });
  }

  /** (Re)starts the expiry of a typing indicator: a lost "off" must not stick. */
  private expireTyping(conversationId: string): void {
    clearTimeout(this.typingTimers.get(conversationId));
    this.typingTimers.delete(conversationId);
    if (!this.typing.value.has(conversationId)) return;
    this.typingTimers.set(
      conversationId,
      setTimeout(() => {
        this.typingTimers.delete(conversationId);
        this.typing.value = setTyping(this.typing.value, conversationId, null);
      }, TYPING_EXPIRE_MS),
    );
  }
}
