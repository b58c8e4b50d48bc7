import type { Markers, Message } from './protocol';

/** How far the other side has a message: stored and sent, on its device, or on its screen. */
export type Receipt = 'sent' | 'delivered' | 'seen';

export const RECEIPT_LABEL: Record<Receipt, string> = { sent: 'Sent', delivered: 'Delivered', seen: 'Seen' };

/** The receipt of the message at seq, from the other side's markers (seen carries delivery). */
export function receipt(seq: number, delivered = 0, seen = 0): Receipt {
  if (seq <= seen) return 'seen';
  return seq <= delivered ? 'delivered' : 'sent';
}

/**
 * What a conversation.delivered should report for messages received but
 * not on screen: the seq of the other side's latest message, or null when
 * there is none past what was reported (or seen) already. Own messages
 * need no report: the server stored them.
 */
export function deliveredUpTo(messages: readonly Message[], mine: (m: Message) => boolean, reported: number): number | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.seq <= reported) return null;
    if (!mine(m) && m.kind !== 'system' && m.kind !== 'hidden') return m.seq;
  }
  return null;
}

const markerKeys = ['visitor_read_seq', 'agent_read_seq', 'visitor_delivered_seq', 'agent_delivered_seq'] as const;

/** c with the markers of m where they are further along (c itself when none is). */
export function withMarkers<C extends Markers>(c: C, m: Markers): C {
  let next: C | null = null;
  for (const k of markerKeys) {
    const v = m[k];
    if (v !== undefined && v > (c[k] ?? 0)) {
      next ??= { ...c };
      next[k] = v;
    }
  }
  return next ?? c;
}
