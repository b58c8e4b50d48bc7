import type { SocketFactory, SocketLike } from '../shared/connection';

/** FakeSocket stands in for a browser WebSocket in unit tests. */
export class FakeSocket implements SocketLike {
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];
  closed = false;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.closed = true;
  }

  /** The server accepted the upgrade. */
  open(): void {
    this.onopen?.(new Event('open'));
  }

  /** The server sent these frames in one WebSocket message. */
  receive(...frames: object[]): void {
    this.onmessage?.({ data: frames.map((f) => JSON.stringify(f)).join('\n') } as MessageEvent);
  }

  /** The server or the network closed the socket. */
  serverClose(code: number): void {
    this.closed = true;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }

  /** The frames sent of one type. */
  frames(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type);
  }

  last(type: string): Record<string, unknown> {
    const f = this.frames(type).at(-1);
    if (!f) throw new Error(`no ${type} frame sent`);
    return f;
  }
}

/** A factory that records every socket it makes. */
export function fakeSockets(): { factory: SocketFactory; sockets: FakeSocket[]; current: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    current: () => {
      const s = sockets.at(-1);
      if (!s) throw new Error('no socket made');
      return s;
    },
  };
}
