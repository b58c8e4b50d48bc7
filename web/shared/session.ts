import { type ConnectionOptions, type ConnState, Connection } from './connection';
import { newId } from './ids';
import { type Ack, type CommandError, DISCONNECTED, type Message, type ServerEvent, type Welcome } from './protocol';
import { Timeline } from './timeline';

/** A message this client sent that is not in the conversation's history yet. */
export interface Outgoing {
  client_msg_id: string;
  conversation_id: string;
  text: string;
  created_at: string;
  /** sending: kept and re-sent with the same id until acked; failed: refused for good. */
  state: 'sending' | 'failed';
  /** The error code when failed. */
  error?: string;
  /** An attachment: sent over HTTP (SessionOptions.upload), text is its name. */
  file?: File;
  /** How much of file has gone up, 0 to 1. */
  progress?: number;
  /** An upload under way: not started again by a reconnect (it does not ride on the socket). */
  inflight?: boolean;
  /** Uploads tried so far: each retry of a file waits twice as long (a file is heavy to resend). */
  tries?: number;
}

export interface SessionOptions {
  url: string;
  /** Extra hello fields (the widget's token). */
  hello?: () => Record<string, unknown>;
  onWelcome?: (w: Welcome) => void;
  /** Every event, after the session has applied it. */
  onEvent?: (e: ServerEvent) => void;
  onState?: (state: ConnState, closeCode?: number) => void;
  /** A tracked conversation's history or outgoing messages changed. */
  onChange?: (conversationId: string) => void;
  connection?: Partial<Pick<ConnectionOptions, 'socket' | 'random' | 'pingIntervalMs' | 'pongTimeoutMs' | 'stableMs'>>;
  newId?: () => string;
  /** Wait before re-sending a message refused with retry: true. */
  retryMs?: number;
  /** Jitter for retries, 0 to 1 (tests fix it). */
  random?: () => number;
  /** Uploads an attachment and resolves with its stored message (rejects with a CommandError). */
  upload?: (o: Outgoing, progress: (fraction: number) => void) => Promise<Message>;
}

/**
 * Session keeps the history of the conversations it tracks exactly as the
 * server holds it, across reconnects: it resumes each from its last seq,
 * fills gaps with sync, drops duplicates by seq, and re-sends every
 * unacknowledged message with its original client_msg_id.
 */
export class Session {
  readonly conn: Connection;
  private readonly timelines = new Map<string, Timeline>();
  private readonly outbox = new Map<string, Outgoing>();
  private readonly syncing = new Set<string>();

  constructor(private readonly opts: SessionOptions) {
    this.conn = new Connection({
      ...opts.connection,
      url: opts.url,
      hello: () => this.hello(),
      onWelcome: (w) => this.welcome(w),
      onEvent: (e) => this.event(e),
      onState: opts.onState,
    });
  }

  start(): void {
    this.conn.start();
  }

  stop(): void {
    this.conn.stop();
  }

  request(type: string, fields?: Record<string, unknown>): Promise<Ack> {
    return this.conn.request(type, fields);
  }

  /** Starts holding a conversation's history, loading it from seq 0. */
  track(conversationId: string): void {
    if (this.timelines.has(conversationId)) return;
    this.timelines.set(conversationId, new Timeline());
    this.fill(conversationId);
  }

  /**
   * Asks for what came after the last seq held of a conversation this
   * session holds, when its history may go further than that (lastSeq,
   * as a list says; Infinity when unknown): a desk that follows only its
   * own chats (desk.watch) is not sent another's while it shows a
   * different one.
   */
  catchUp(conversationId: string, lastSeq = Infinity): void {
    const t = this.timelines.get(conversationId);
    if (t && lastSeq > t.last) this.fill(conversationId);
  }

  messages(conversationId: string): readonly Message[] {
    return this.timelines.get(conversationId)?.messages ?? [];
  }

  outgoing(conversationId: string): Outgoing[] {
    return [...this.outbox.values()].filter((o) => o.conversation_id === conversationId);
  }

  /** Sends a message (or, with file, an attachment); it stays in outgoing() until the server has stored it. */
  send(conversationId: string, text: string, file?: File): Outgoing {
    const o: Outgoing = {
      client_msg_id: (this.opts.newId ?? newId)(),
      conversation_id: conversationId,
      text,
      created_at: new Date().toISOString(),
      state: 'sending',
      file,
    };
    this.outbox.set(o.client_msg_id, o);
    this.changed(conversationId);
    this.transmit(o);
    return o;
  }

  /** Sends a failed message again, with the same client_msg_id. */
  retry(clientMsgId: string): void {
    const o = this.outbox.get(clientMsgId);
    if (!o || o.state !== 'failed') return;
    o.state = 'sending';
    o.error = undefined;
    this.changed(o.conversation_id);
    this.transmit(o);
  }

  /** Drops a failed message (an attachment refused for good). */
  discard(clientMsgId: string): void {
    const o = this.outbox.get(clientMsgId);
    if (!o || o.state !== 'failed') return;
    this.outbox.delete(clientMsgId);
    this.changed(o.conversation_id);
  }

  /**
   * Forgets every conversation held and every unsent message: the visitor
   * changed (another person signed in, or the site signed the visitor
   * out), so nothing of the previous one may be resumed or re-sent.
   */
  forget(): void {
    this.timelines.clear();
    this.outbox.clear();
    this.syncing.clear();
  }

  private changed(conversationId: string): void {
    this.opts.onChange?.(conversationId);
  }

  private hello(): Record<string, unknown> {
    const fields = { ...this.opts.hello?.() };
    if (this.timelines.size > 0) {
      const resume: Record<string, number> = {};
      for (const [id, t] of this.timelines) resume[id] = t.last;
      fields.resume = resume;
    }
    return fields;
  }

  private welcome(w: Welcome): void {
    // The resume replay follows the welcome on the wire, before anything
    // sent from here is answered, so held history is complete first.
    this.opts.onWelcome?.(w);
    for (const o of this.outbox.values()) {
      if (o.state === 'sending' && !o.inflight) this.transmit(o);
    }
  }

  private event(e: ServerEvent): void {
    if (e.type === 'message') this.apply(e.message);
    this.opts.onEvent?.(e);
  }

  private apply(m: Message): void {
    const t = this.timelines.get(m.conversation_id);
    if (!t) return;
    let changed = t.apply(m);
    for (const o of this.outbox.values()) {
      if (o.conversation_id === m.conversation_id && t.has(o.client_msg_id)) {
        this.outbox.delete(o.client_msg_id);
        changed = true;
      }
    }
    if (t.gap()) this.fill(m.conversation_id);
    if (changed) this.changed(m.conversation_id);
  }

  /** Asks for what is missing: the gap below held-back events, else everything after the last seq. */
  private fill(conversationId: string): void {
    const t = this.timelines.get(conversationId);
    if (!t || this.syncing.has(conversationId) || this.conn.state !== 'open') return;
    const gap = t.gap();
    const from = t.last;
    this.syncing.add(conversationId);
    this.conn
      .request('sync', { conversation_id: conversationId, after_seq: from, ...(gap ? { until_seq: gap.until } : {}) })
      .then((ack) => {
        this.syncing.delete(conversationId);
        // Go on while it makes progress: a page with more after it, or a
        // gap that appeared while this sync was in flight.
        const again = ack.more || t.gap() !== null;
        if (again && (t.last > from || (gap === null && t.gap() !== null))) this.fill(conversationId);
      })
      .catch(() => this.syncing.delete(conversationId));
  }

  private transmit(o: Outgoing): void {
    const sent =
      o.file && this.opts.upload
        ? this.opts.upload(o, (p) => {
            o.progress = p;
            this.changed(o.conversation_id);
          })
        : this.conn.request('message.send', { conversation_id: o.conversation_id, client_msg_id: o.client_msg_id, text: o.text }).then((ack) => ack.message);
    if (o.file) {
      o.inflight = true;
      o.progress = 0;
      o.tries = (o.tries ?? 0) + 1;
    }
    sent
      .then((m) => {
        if (m) this.apply(m);
        if (this.outbox.delete(o.client_msg_id)) this.changed(o.conversation_id);
      })
      .catch((err: CommandError) => {
        o.inflight = false;
        if (this.outbox.get(o.client_msg_id) !== o) return;
        if (err.code === DISCONNECTED) return; // re-sent after the next welcome
        if (err.retry) {
          // Not while another try of it runs (a reconnect may have started one).
          setTimeout(() => {
            if (this.outbox.get(o.client_msg_id) === o && !o.inflight && this.conn.state === 'open') this.transmit(o);
          }, retryDelay(err, (this.opts.retryMs ?? 1000) * 2 ** Math.min((o.tries ?? 1) - 1, 5), this.opts.random ?? Math.random));
          return;
        }
        o.state = 'failed';
        o.error = err.code;
        this.changed(o.conversation_id);
      });
  }
}

/**
 * The wait before sending a refused message again: at least what the
 * server asked for (under overload it spreads everyone's retries over the
 * time its queue needs), at least the client's own backoff, and up to half
 * as long again at random, so that clients refused together do not all
 * come back together.
 */
export function retryDelay(err: CommandError, backoffMs: number, random: () => number): number {
  const base = Math.max(err.retryAfterMs, backoffMs);
  return base + Math.floor(random() * base * 0.5);
}
