import type { Message } from '../shared/protocol';

/** msg builds a message event body for tests. */
export function msg(seq: number, body = `m${seq}`, conversation = 'C', clientMsgId = `id-${seq}`): Message {
  return {
    id: `msg-${conversation}-${seq}`,
    conversation_id: conversation,
    seq,
    client_msg_id: clientMsgId,
    kind: 'text',
    author_type: 'agent',
    body,
    created_at: '2026-01-01T00:00:00Z',
  };
}
