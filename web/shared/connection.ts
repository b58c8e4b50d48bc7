import { Backoff } from './backoff';
import {
  type Ack,
  CommandError,
  DISCONNECTED,
  parseFrames,
  type ServerEvent,
  SUBPROTOCOL,
  type Welcome,
} from './protocol';

/**
 * connecting: the first attempt; open: welcomed; reconnecting: lost and
 * retrying; failed: closed with a code that says retrying is useless
 * (4400–4499, 1009); closed: stopped by the owner.
 */
export type ConnState = 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed';

/** The part of the browser's WebSocket the connection uses (tests pass a fake). */
export interface SocketLike {
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, protocol: string) => SocketLike;

export interface ConnectionOptions {
  url: string;
  /** Extra hello fields (token, resume), read before every attempt. */
  hello: () => Record<string, unknown>;
  onWelcome: (w: Welcome) => void;
  onEvent: (e: ServerEvent) => void;
  onState?: (state: ConnState, closeCode?: number) => void;
  socket?: SocketFactory;
  random?: () => number;
  /** Between app-level pings; browsers cannot see WebSocket pings. */
  pingIntervalMs?: number;
  /** Without a pong (or a welcome after hello) this long, the socket is dead. */
  pongTimeoutMs?: number;
  /** A connection up this long resets the backoff. */
  stableMs?: number;
}

interface Waiter {
  resolve: (a: Ack) => void;
  reject: (e: CommandError) => void;
}

const browserSocket: SocketFactory = (url, protocol) => new WebSocket(url, protocol);

/** 1009 and 4400–4499 mean the same request will fail again. */
export function isTerminal(code: number): boolean {
  return code === 1009 || (code >= 4400 && code <= 4499);
}

/**
 * Connection is one logical realtime connection that survives socket
 * losses: it says hello, matches acks and errors to commands by id, pings
 * to detect a dead socket, and reconnects with backoff and jitter. What to
 * resume is the owner's business (see Session).
 */
export class Connection {
  state: ConnState = 'connecting';
  private ws: SocketLike | null = null;
  private welcomed = false;
  private openedAt = 0;
  private seq = 0;
  private readonly waiters = new Map<string, Waiter>();
  private readonly backoff: Backoff;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly stableMs: number;

  constructor(private readonly opts: ConnectionOptions) {
    this.backoff = new Backoff(100, 5000, opts.random);
    this.pingIntervalMs = opts.pingIntervalMs ?? 15000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10000;
    this.stableMs = opts.stableMs ?? 5000;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes for good: no reconnect. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.drop();
    this.setState('closed');
  }

  /** Retries at once when waiting to reconnect (e.g. the browser went online). */
  wake(): void {
    if (this.state === 'reconnecting' && this.ws === null && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.connect();
    }
  }

  /** Treats the socket as dead and reconnects (e.g. the browser went offline). */
  kick(): void {
    if (this.ws && !this.stopped) this.lost(1006);
  }

  /**
   * Sends a command and resolves with its ack. It rejects with the
   * server's error, or with code DISCONNECTED (retry: true) when there is
   * no open connection or it is lost before the answer.
   */
  request(type: string, fields: Record<string, unknown> = {}): Promise<Ack> {
    if (!this.ws || !this.welcomed) {
      return Promise.reject(new CommandError(DISCONNECTED, 'not connected', true));
    }
    const id = this.nextId();
    const ws = this.ws;
    return new Promise<Ack>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      ws.send(JSON.stringify({ ...fields, type, id }));
    });
  }

  /** Sends a command whose answer does not matter (typing, heartbeat). */
  notify(type: string, fields: Record<string, unknown> = {}): void {
    this.request(type, fields).catch(() => undefined);
  }

  private nextId(): string {
    this.seq += 1;
    return `c${this.seq}`;
  }

  private setState(s: ConnState, code?: number): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onState?.(s, code);
  }

  private connect(): void {
    const ws = (this.opts.socket ?? browserSocket)(this.opts.url, SUBPROTOCOL);
    this.ws = ws;
    this.welcomed = false;
    this.armDeadline();
    ws.onopen = () => {
      ws.send(JSON.stringify({ ...this.opts.hello(), type: 'hello', id: this.nextId() }));
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') this.receive(ev.data);
    };
    ws.onclose = (ev) => this.lost(ev.code);
    ws.onerror = () => undefined; // a close event always follows
  }

  /** Arms the timer that declares the socket dead when nothing answers. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.lost(4010), this.pongTimeoutMs);
  }

  private receive(data: string): void {
    for (const f of parseFrames(data)) {
      if (this.ws === null) return; // dropped while handling an earlier frame
      switch (f.type) {
        case 'welcome':
          this.welcomed = true;
          this.openedAt = Date.now();
          clearTimeout(this.deadline);
          this.startPing();
          this.setState('open');
          this.opts.onWelcome(f);
          break;
        case 'pong':
          clearTimeout(this.deadline);
          break;
        case 'ack':
        case 'error': {
          const w = f.id ? this.waiters.get(f.id) : undefined;
          if (!w || !f.id) break;
          this.waiters.delete(f.id);
          if (f.type === 'ack') w.resolve(f);
          else w.reject(new CommandError(f.code, f.message, f.retry ?? false, f.field, f.retry_after_ms ?? 0));
          break;
        }
        default:
          this.opts.onEvent(f);
      }
    }
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!this.ws) return;
      this.ws.send(JSON.stringify({ type: 'ping', id: this.nextId() }));
      this.armDeadline();
    }, this.pingIntervalMs);
  }

  /** Closes the current socket, if any, without waiting for its close event. */
  private drop(): void {
    const ws = this.ws;
    this.ws = null;
    this.welcomed = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.deadline);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        // already closed
      }
    }
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiters) w.reject(new CommandError(DISCONNECTED, 'connection lost', true));
  }

  /** The socket closed or went silent: retry after a jittered wait, or give up. */
  private lost(code: number): void {
    const stayedUp = this.welcomed && Date.now() - this.openedAt >= this.stableMs;
    this.drop();
    if (this.stopped) return;
    if (isTerminal(code)) {
      this.setState('failed', code);
      return;
    }
    if (stayedUp) this.backoff.reset();
    this.setState('reconnecting', code);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
  }
}
