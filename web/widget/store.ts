import { batch, computed, signal } from '@preact/signals';
import type { ConnState } from '../shared/connection';
import { fileSize, refusal } from '../shared/files';
import { postFile } from '../shared/upload';
import { type ContextData, type Conversation, type FilePolicy, MAX_PAGE_TITLE, type PublicTicket, MAX_PAGE_URL, type Rating, type Message, type ServerEvent, type SiteLook, type Welcome } from '../shared/protocol';
import { agentLabel } from '../shared/look';
import { Broadcasts } from './broadcasts';
import { type Lang, pickLanguage, t, type TextKey } from './i18n';
import { replyText } from './lines';
import { deliveredUpTo, withMarkers } from '../shared/receipts';
import { type Outgoing, Session } from '../shared/session';
import { load, remove, safeSession, save } from '../shared/storage';
import { TYPING_EXPIRE_MS, TypingSignal } from '../shared/typing';
import {
  addDraft,
  agentTyping,
  concerns,
  type Draft,
  endsTyping,
  follow,
  hostMessage,
  needsContact,
  NO_THREAD,
  pickConversation,
  type SeenMark,
  seenUpTo,
  type Thread,
  unreadCount,
} from './state';

export type { Draft } from './state';

/** What the loader hands over: the site's widget key and the server's origin. */
export interface WidgetConfig {
  key: string;
  origin: string;
}

export interface Identity {
  id?: string;
  name?: string;
  email?: string;
  hash?: string;
}

/** Events a host page can listen to with LiveDesk.on(name, fn). */
export type WidgetEvent = 'ready' | 'open' | 'close' | 'message' | 'unread';

/**
 * WidgetStore is the widget's state: one Session to the server, the
 * visitor's current conversation, and what the panel shows. It persists
 * the visitor token (per site) so a navigation resumes the same visitor.
 * The state updates are the pure functions of state.ts; this class holds
 * them in signals and does the side effects (socket, storage, timers, events).
 */
export class WidgetStore {
  readonly conn = signal<ConnState>('connecting');
  readonly isOpen = signal(false);
  readonly siteName = signal('');
  /** Out of hours, the site asks for a name and e-mail before the first message (welcome.site). */
  readonly askContact = signal(false);
  /** The site's look (welcome.site.look); kept per site so a navigation does not flash the default colour. */
  readonly look = signal<SiteLook | null>(null);
  readonly messages = signal<readonly Message[]>([]);
  readonly outgoing = signal<Outgoing[]>([]);
  readonly drafts = signal<Draft[]>([]);
  readonly agentTyping = signal<string | null>(null);
  readonly closed = signal(false);
  /** The shown chat's rating (set once it ended), and when it ended: a rating is given within a day of that. */
  readonly rating = signal<{ value?: Rating; comment: string; endedAt?: string; ratedAt?: string }>({ comment: '' });
  /** A conversation is under way (the panel offers to end it). */
  readonly active = signal(false);
  readonly seenSeq = signal(0);
  /** How far the agents have seen the shown conversation: "Seen" on my messages up to it. */
  readonly agentSeen = signal(0);
  /** How far a desk of the assigned agent has received it: "Delivered". */
  readonly agentDelivered = signal(0);
  /** The language shown: the visitor's browser's, among the site's (web/widget/i18n.ts). */
  readonly lang = computed<Lang>(() => pickLanguage(navigator.languages ?? [navigator.language], this.look.value?.languages ?? ['en']));
  /** What the widget's live region says: the latest agent message, once (App.tsx). */
  readonly announcement = signal('');
  readonly unread = computed(() => unreadCount(this.messages.value, this.seenSeq.value));
  /** What the workspace accepts as attachments (welcome.files). */
  readonly files = signal<FilePolicy | null>(null);
  /** Why the last file picked was not sent (shown by the composer). */
  readonly fileNotice = signal('');
  /** The tickets the visitor follows (welcome.tickets, then ticket.status). */
  readonly tickets = signal<PublicTicket[]>([]);
  /** What the workspace's broadcasts show on this page (broadcasts.ts). */
  readonly broadcasts: Broadcasts;
  /** Puts the keyboard's place on the launcher (App sets it: it holds the button). */
  focusLauncher: () => void = () => undefined;

  private readonly session: Session;
  private conversationId = '';
  /** The last conversation.delivered sent for the shown conversation. */
  private delivered = 0;
  private starting = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private typingExpiry: ReturnType<typeof setTimeout> | undefined;
  private readonly typing: TypingSignal;
  private context: ContextData = {};
  private identity: Identity | null = null;
  private ready = false;
  private readonly listeners = new Map<WidgetEvent, Set<(data: unknown) => void>>();
  private readonly prefix: string;

  constructor(readonly config: WidgetConfig) {
    this.prefix = `livedesk:${config.key}:`;
    // What the page said that the server has not acknowledged (the socket
    // was not open yet) goes with the visitor to the next page, where the
    // loader queues it again, as it does for what it held before the
    // widget started.
    addEventListener('pagehide', () => this.carry());
    this.isOpen.value = load(this.prefix + 'open', false, safeSession());
    this.look.value = load(this.prefix + 'look', null);
    this.session = new Session({
      url: `${config.origin.replace(/^http/, 'ws')}/widget/v1/ws?key=${encodeURIComponent(config.key)}`,
      hello: () => {
        const fields: Record<string, unknown> = {};
        const token = this.token();
        if (token) fields.token = token;
        // A verified identity goes with the hello, so that on a shared
        // browser the welcome is already the right person's.
        const who = this.identity;
        if (who?.hash) fields.identify = { external_id: who.id, name: who.name, email: who.email, hash: who.hash };
        return fields;
      },
      onWelcome: (w) => this.welcome(w),
      onEvent: (e) => this.event(e),
      onState: (s) => {
        this.conn.value = s;
      },
      onChange: (id) => {
        if (id === this.conversationId) this.refresh();
      },
      upload: (o, progress) => {
        const q = new URLSearchParams({ key: config.key, conversation_id: o.conversation_id, client_msg_id: o.client_msg_id, name: o.text });
        return postFile(`${config.origin}/widget/v1/files?${q}`, { Authorization: `Bearer ${this.token()}` }, o.file as File, progress);
      },
    });
    this.broadcasts = new Broadcasts(
      (type, fields) => this.session.request(type, fields),
      () => (/^https?:/.test(location.href) ? location.href.slice(0, MAX_PAGE_URL) : ''),
    );
    this.typing = new TypingSignal((on) => {
      if (this.conversationId) this.session.conn.notify('typing', { conversation_id: this.conversationId, on });
    });
  }

  start(): void {
    this.session.start();
    window.addEventListener('online', () => this.session.conn.wake());
    window.addEventListener('offline', () => this.session.conn.kick());
    window.addEventListener('popstate', () => this.sendHeartbeat());
    window.addEventListener('hashchange', () => this.sendHeartbeat());
    // A single-page site moves with history.pushState, which fires no
    // event: its address is looked at every second (a string compare), so
    // broadcasts for the new page follow within a second.
    let href = location.href;
    setInterval(() => {
      if (location.href !== href) {
        href = location.href;
        this.sendHeartbeat();
      }
    }, 1000);
  }

  // --- the host page's API ---

  on(event: WidgetEvent, fn: (data: unknown) => void): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
  }

  private emit(event: WidgetEvent, data?: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(data);
      } catch (err) {
        console.error('LiveDesk: listener failed', err);
      }
    }
  }

  open(): void {
    if (this.isOpen.value) return;
    this.isOpen.value = true;
    save(this.prefix + 'open', true, safeSession());
    this.markSeen();
    this.emit('open');
  }

  close(): void {
    if (!this.isOpen.value) return;
    this.isOpen.value = false;
    save(this.prefix + 'open', false, safeSession());
    this.typing.stop();
    this.emit('close');
  }

  addContext(data: ContextData): void {
    this.context = { ...this.context, ...data };
    this.flushContext();
  }

  /** The visitor's answer to the out-of-hours form: a name and e-mail (null: skipped). */
  leaveContact(who: { name: string; email: string } | null): void {
    save(this.prefix + 'asked', true);
    this.askContact.value = false;
    if (who) this.identify(who);
  }

  identify(identity: Identity): void {
    this.identity = identity;
    this.flushIdentity();
  }

  /**
   * Forgets the visitor in this browser (LiveDesk.reset(), for a site's
   * sign-out): the next hello makes a new, anonymous visitor, and nothing of
   * the previous one's conversations stays on screen or in storage.
   */
  reset(): void {
    remove(this.prefix + 'token');
    remove(this.prefix + 'seen');
    this.identity = null;
    this.forgetVisitor();
    this.session.conn.kick();
  }

  /** Drops what the panel shows of the visitor that was. */
  private forgetVisitor(): void {
    this.session.forget();
    this.conversationId = '';
    this.messages.value = [];
    this.outgoing.value = [];
    this.drafts.value = [];
    this.agentTyping.value = null;
    this.closed.value = false;
    this.active.value = false;
    this.seenSeq.value = 0;
  }

  // --- the panel ---

  /** Sends the visitor's text, starting a conversation first when there is none. */
  send(text: string): void {
    const body = text.trim();
    if (!body) return;
    this.typing.stop();
    if (this.conversationId && !this.closed.value) {
      this.session.send(this.conversationId, body);
      return;
    }
    this.drafts.value = addDraft(this.drafts.value, body, Date.now());
    this.startConversation();
  }

  /** Sends files the visitor picked, pasted or dropped, each as its own message; a file the site does not take is refused here. */
  attach(files: File[]): void {
    this.fileNotice.value = '';
    for (const f of files) {
      const why = refusal(this.files.value, f);
      if (why) {
        const max = fileSize(this.files.value?.max_bytes ?? 0);
        this.fileNotice.value = why === 'too_large' ? this.text('file_too_large', { name: f.name, size: max }) : this.text('file_refused', { name: f.name });
      } else if (this.conversationId && !this.closed.value) {
        this.session.send(this.conversationId, f.name, f);
      } else {
        this.drafts.value = addDraft(this.drafts.value, f.name, Date.now(), f);
        this.startConversation();
      }
    }
  }

  /** Drops a file that was refused. */
  discard(clientMsgId: string): void {
    this.session.discard(clientMsgId);
  }

  /** A file of the visitor's conversation, fetched with its token. */
  fetchFile(id: string): Promise<Blob> {
    const u = `${this.config.origin}/widget/v1/files/${encodeURIComponent(id)}?key=${encodeURIComponent(this.config.key)}`;
    return fetch(u, { headers: { Authorization: `Bearer ${this.token()}` } }).then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`file: ${r.status}`))));
  }

  private token(): string {
    return load<string>(this.prefix + 'token', '');
  }

  /** The visitor ends the chat (conversation.close). */
  endChat(): Promise<void> {
    const id = this.conversationId;
    if (!id || this.closed.value) return Promise.resolve();
    this.typing.stop();
    return this.session.request('conversation.close', { conversation_id: id }).then((ack) => {
      if (ack.conversation && ack.conversation.id === this.conversationId) this.follow(ack.conversation);
    });
  }

  /** The visitor rates the ended chat, or changes its rating (conversation.rate). */
  rate(value: Rating, comment: string): Promise<void> {
    const id = this.conversationId;
    if (!id || !this.closed.value) return Promise.resolve();
    return this.session.request('conversation.rate', { conversation_id: id, rating: value, comment }).then((ack) => {
      if (ack.conversation && ack.conversation.id === this.conversationId) this.follow(ack.conversation);
    });
  }

  /** Leaves an ended chat for an empty panel; the next message starts a new conversation. */
  startNew(): void {
    if (!this.closed.value) return;
    batch(() => {
      this.setThread(NO_THREAD);
      this.messages.value = [];
      this.outgoing.value = [];
    });
    this.setTyping(null);
  }

  retry(clientMsgId: string): void {
    this.session.retry(clientMsgId);
  }

  /** A text of the widget in the visitor's language, the site's own where it set one. */
  text(key: TextKey, vars?: Record<string, string | number>): string {
    const lang = this.lang.value;
    return t(lang, key, this.look.value?.texts?.[lang], vars);
  }

  input(): void {
    if (this.conversationId && !this.closed.value) this.typing.input();
  }

  markSeen(): void {
    const seq = seenUpTo(this.thread(), this.messages.value);
    if (seq === null) return;
    this.seenSeq.value = seq;
    save(this.prefix + 'seen', { conversation: this.conversationId, seq });
    // The agents see "Seen" on their messages up to it.
    if (this.conversationId) this.session.conn.notify('conversation.seen', { conversation_id: this.conversationId, seq });
  }

  /** Tells the agents their messages reached this device while the panel is closed. */
  private markDelivered(): void {
    const seq = deliveredUpTo(this.messages.value, (m) => m.author_type === 'visitor', Math.max(this.delivered, this.seenSeq.value));
    if (seq === null || !this.conversationId) return;
    this.delivered = seq;
    this.session.conn.notify('conversation.delivered', { conversation_id: this.conversationId, seq });
  }

  // --- the session ---

  /** The server's clock less the browser's, from the welcome (a visitor's clock may be off by hours). */
  private skew = 0;

  /** Now by the server's clock, in milliseconds. */
  serverNow(): number {
    return Date.now() + this.skew;
  }

  private welcome(w: Welcome): void {
    if (w.server_time) this.skew = w.server_time - Date.now();
    if (w.token) save(this.prefix + 'token', w.token);
    this.siteName.value = w.site?.name ?? '';
    this.askContact.value = needsContact(w.site, w.visitor?.email ?? '', load(this.prefix + 'asked', false), this.messages.value.length);
    this.look.value = w.site?.look ?? null;
    this.files.value = w.files ?? null;
    this.tickets.value = w.tickets ?? [];
    save(this.prefix + 'look', this.look.value);
    const current = pickConversation(w.conversations, this.conversationId);
    if (current) this.follow(current);
    clearInterval(this.heartbeat);
    this.broadcasts.sync(); // first: the heartbeat's own check then finds the page asked about
    this.sendHeartbeat();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), w.heartbeat_ms ?? 30000);
    this.flushContext();
    this.flushIdentity();
    if (this.drafts.value.length > 0) this.startConversation();
    if (!this.ready) {
      this.ready = true;
      this.emit('ready', { visitor_id: w.visitor?.id });
    }
  }

  /** What the panel shows, as state.ts's Thread. */
  private thread(): Thread {
    return { conversationId: this.conversationId, closed: this.closed.value, active: this.active.value, seenSeq: this.seenSeq.value };
  }

  private setThread(t: Thread): void {
    this.conversationId = t.conversationId;
    batch(() => {
      this.closed.value = t.closed;
      this.active.value = t.active;
      this.seenSeq.value = t.seenSeq;
    });
  }

  /** Makes c the conversation the panel shows. */
  private follow(c: Conversation): void {
    const switching = c.id !== this.conversationId;
    // Markers only move forward: a copy of the conversation read before
    // the latest receipts event must not take Delivered or Seen back.
    this.agentSeen.value = Math.max(c.agent_read_seq ?? 0, switching ? 0 : this.agentSeen.value);
    this.agentDelivered.value = Math.max(c.agent_delivered_seq ?? 0, switching ? 0 : this.agentDelivered.value);
    const stored = switching ? load<SeenMark>(this.prefix + 'seen', {}) : {};
    this.setThread(follow(this.thread(), c, stored));
    // Replies and events may cross: an older rating never replaces a newer one.
    const held = this.rating.value;
    if (switching || !held.ratedAt || !c.rated_at || c.rated_at >= held.ratedAt) {
      this.rating.value = { value: c.rating, comment: c.rating_comment ?? '', endedAt: c.closed_at, ratedAt: c.rated_at };
    } else if (held.endedAt !== c.closed_at) {
      this.rating.value = { ...held, endedAt: c.closed_at };
    }
    if (switching) {
      this.delivered = c.visitor_delivered_seq ?? 0;
      this.session.track(c.id);
      this.refresh();
    }
  }

  private refresh(): void {
    const before = this.unread.value;
    this.messages.value = [...this.session.messages(this.conversationId)];
    this.outgoing.value = this.session.outgoing(this.conversationId);
    if (this.isOpen.value) this.markSeen();
    else this.markDelivered();
    if (endsTyping(this.messages.value)) this.setTyping(null);
    if (this.unread.value !== before) this.emit('unread', this.unread.value);
  }

  private event(e: ServerEvent): void {
    switch (e.type) {
      case 'conversation':
        if (concerns(this.thread(), e.conversation)) this.follow(e.conversation);
        break;
      case 'receipts':
        if (e.conversation_id === this.conversationId) {
          const m = withMarkers({ agent_read_seq: this.agentSeen.value, agent_delivered_seq: this.agentDelivered.value, visitor_delivered_seq: this.delivered }, e);
          this.agentSeen.value = m.agent_read_seq;
          this.agentDelivered.value = m.agent_delivered_seq;
          this.delivered = m.visitor_delivered_seq;
        }
        break;
      case 'broadcast.changed':
        this.broadcasts.changed(e.broadcast_id, e.live);
        break;
      case 'ticket.status': {
        const rest = this.tickets.value.filter((t) => t.id !== e.ticket.id);
        this.tickets.value = e.ticket.public ? [e.ticket, ...rest] : rest;
        break;
      }
      case 'typing': {
        const name = agentTyping(this.thread(), e);
        if (name !== undefined) this.setTyping(name);
        break;
      }
      case 'message': {
        const m = hostMessage(this.thread(), e.message);
        if (!m) break;
        // The server's own replies in the visitor's language, as shown.
        if (e.message.author_type === 'system') m.text = replyText(e.message, (k, v) => this.text(k, v), this.look.value?.texts?.[this.lang.value]);
        // The host page and screen readers get the name the visitor sees.
        m.author = agentLabel(this.look.value, this.siteName.value, m.author);
        this.emit('message', m);
        this.announcement.value = this.isOpen.value ? `${m.author}: ${m.text}` : this.text('new_message_from', { name: m.author });
        break;
      }
    }
  }

  private setTyping(name: string | null): void {
    clearTimeout(this.typingExpiry);
    this.agentTyping.value = name;
    if (name) this.typingExpiry = setTimeout(() => (this.agentTyping.value = null), TYPING_EXPIRE_MS);
  }

  private startConversation(): void {
    if (this.starting || this.conn.value !== 'open') return;
    this.starting = true;
    // A first message while a chat message broadcast shows replies to it:
    // the conversation opens with the broadcast's text.
    const reply = this.broadcasts.message();
    this.session
      .request('conversation.start', reply ? { broadcast_id: reply.id } : {})
      .then((ack) => {
        if (reply) this.broadcasts.drop(reply.id);
        if (ack.conversation) this.follow(ack.conversation);
        const drafts = this.drafts.value;
        this.drafts.value = [];
        for (const d of drafts) this.session.send(this.conversationId, d.text, d.file);
      })
      .catch(() => undefined) // retried after the next welcome
      .finally(() => {
        this.starting = false;
      });
  }

  private sendHeartbeat(): void {
    if (this.conn.value !== 'open') return;
    const page: Record<string, string> = { title: document.title.slice(0, MAX_PAGE_TITLE) };
    if (/^https?:/.test(location.href)) page.url = location.href.slice(0, MAX_PAGE_URL);
    if (/^https?:/.test(document.referrer)) page.referrer = document.referrer.slice(0, MAX_PAGE_URL);
    this.session.conn.notify('heartbeat', page);
    this.broadcasts.follow();
  }

  private flushContext(): void {
    if (this.conn.value !== 'open' || Object.keys(this.context).length === 0) return;
    const data = this.context;
    this.session
      .request('context.set', { data })
      .then(() => {
        if (this.context === data) this.context = {};
      })
      .catch((err: { retry?: boolean; code?: string }) => {
        if (!err.retry) console.warn('LiveDesk: addContext refused:', err.code);
      });
  }

  private carry(): void {
    const q: [string, unknown[]][] = [];
    if (this.identity) q.push(['identify', [this.identity]]);
    if (Object.keys(this.context).length > 0) q.push(['addContext', [this.context]]);
    if (q.length === 0) return;
    try {
      sessionStorage.setItem(this.prefix + 'queue', JSON.stringify(q));
    } catch {
      // storage off or full: the page says it again, as pages do on every load
    }
  }

  private flushIdentity(): void {
    const who = this.identity;
    if (this.conn.value !== 'open' || !who) return;
    this.session
      .request('identify', { external_id: who.id, name: who.name, email: who.email, hash: who.hash })
      .then((ack) => {
        if (this.identity === who) this.identity = null;
        // Another person signed in on this browser: the server made a new
        // visitor for them and closes the socket (4012); reconnect as that
        // visitor, showing nothing of the previous one.
        if (ack.token) {
          save(this.prefix + 'token', ack.token);
          this.forgetVisitor();
        }
      })
      .catch((err: { retry?: boolean; code?: string }) => {
        if (!err.retry) console.warn('LiveDesk: identify refused:', err.code);
      });
  }
}
