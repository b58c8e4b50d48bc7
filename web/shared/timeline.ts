import type { Message } from './protocol';

/**
 * Timeline holds one conversation's events exactly once and in seq order,
 * contiguous from seq 1. Events that arrive ahead of a gap are held back
 * until the gap is filled; events already held are dropped.
 */
export class Timeline {
  readonly messages: Message[] = [];
  private readonly held = new Map<number, Message>();

  /** The highest seq held with no gap below it (0 when empty). */
  get last(): number {
    return this.messages.length;
  }

  /** Applies one event and says whether the visible history grew. */
  apply(m: Message): boolean {
    if (m.seq <= this.last) return false;
    if (m.seq > this.last + 1) {
      this.held.set(m.seq, m);
      return false;
    }
    this.messages.push(m);
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.messages.push(next);
    }
    return true;
  }

  /** The missing range (after, until] below the held-back events, if any. */
  gap(): { after: number; until: number } | null {
    if (this.held.size === 0) return null;
    return { after: this.last, until: Math.min(...this.held.keys()) - 1 };
  }

  /** Whether an event with this client_msg_id is held. */
  has(clientMsgId: string): boolean {
    return this.messages.some((m) => m.client_msg_id === clientMsgId);
  }
}
