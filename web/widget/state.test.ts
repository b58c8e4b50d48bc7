import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../shared/protocol';
import { msg } from '../test/fixtures';
import {
  addDraft,
  agentTyping,
  concerns,
  endsTyping,
  follow,
  hostMessage,
  needsContact,
  NO_THREAD,
  pickConversation,
  seenUpTo,
  type Thread,
  unreadCount,
} from './state';

function conv(id: string, status: Conversation['status'] = 'open'): Conversation {
  return {
    id,
    site_id: 's1',
    visitor_id: 'v1',
    status,
    context: null,
    last_seq: 0,
    last_message: '',
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-05T10:00:00Z',
    last_activity_at: '2026-01-05T10:00:00Z',
  };
}

const from = (author: Message['author_type'], seq: number, over: Partial<Message> = {}): Message => ({ ...msg(seq, `m${seq}`, 'C'), author_type: author, ...over });

const showing = (id: string, over: Partial<Thread> = {}): Thread => ({ conversationId: id, closed: false, active: true, seenSeq: 0, ...over });

describe('the unread badge', () => {
  it('counts what agents and the system wrote after the seen mark, not the visitor\'s own nor hidden stubs', () => {
    const history = [from('visitor', 1), from('agent', 2), from('system', 3, { kind: 'system' }), from('system', 4, { kind: 'hidden' }), from('agent', 5)];
    expect(unreadCount(history, 0)).toBe(3);
    expect(unreadCount(history, 3)).toBe(1);
    expect(unreadCount(history, 5)).toBe(0);
  });

  it('goes to zero once the visitor has seen the last message', () => {
    const history = [from('visitor', 1), from('agent', 2)];
    const t = showing('C');
    const seq = seenUpTo(t, history);
    expect(seq).toBe(2);
    expect(unreadCount(history, seq ?? 0)).toBe(0);
    expect(seenUpTo({ ...t, seenSeq: 2 }, history)).toBeNull();
    expect(seenUpTo(NO_THREAD, history)).toBeNull();
  });
});

describe('the conversation the panel shows', () => {
  it('after a welcome: the one shown before, else one still going, else none', () => {
    const list = [conv('old', 'closed'), conv('live')];
    expect(pickConversation(list, 'old')?.id).toBe('old');
    expect(pickConversation(list, '')?.id).toBe('live');
    expect(pickConversation([conv('old', 'closed')], '')).toBeUndefined();
  });

  it('follows its own conversation\'s events, and a new one while it has none', () => {
    expect(concerns(showing('a'), conv('a', 'closed'))).toBe(true);
    expect(concerns(showing('a'), conv('b'))).toBe(false);
    expect(concerns(NO_THREAD, conv('b'))).toBe(true);
    expect(concerns(NO_THREAD, conv('b', 'closed'))).toBe(false);
    // After a closed chat, a new live one (an agent's invitation) takes the panel.
    expect(concerns({ ...showing('a'), closed: true }, conv('b'))).toBe(true);
    expect(concerns({ ...showing('a'), closed: true }, conv('b', 'closed'))).toBe(false);
  });

  it('shows that a chat ended, and offers to end one under way', () => {
    const ended = follow(showing('a'), conv('a', 'closed'), {});
    expect(ended).toMatchObject({ conversationId: 'a', closed: true, active: false });
    const reopened = follow(ended, conv('a'), {});
    expect(reopened).toMatchObject({ closed: false, active: true });
  });

  it('takes the seen mark stored for a conversation it moves to, and no other', () => {
    expect(follow(NO_THREAD, conv('a'), { conversation: 'a', seq: 4 }).seenSeq).toBe(4);
    expect(follow(NO_THREAD, conv('a'), { conversation: 'b', seq: 4 }).seenSeq).toBe(0);
    expect(follow(showing('a', { seenSeq: 7 }), conv('a'), { conversation: 'a', seq: 4 }).seenSeq).toBe(7);
  });

  it('starts over empty after "Start a new chat"', () => {
    expect(NO_THREAD).toEqual({ conversationId: '', closed: false, active: false, seenSeq: 0 });
  });
});

describe('typing and messages from agents', () => {
  const typing = (conversation: string, author: 'visitor' | 'agent', on: boolean, name?: string) =>
    ({ type: 'typing', conversation_id: conversation, author_type: author, author_id: 'a1', on, ...(name ? { author_name: name } : {}) }) as const;

  it('shows an agent typing in the panel\'s conversation, by name or as "Agent"', () => {
    expect(agentTyping(showing('C'), typing('C', 'agent', true, 'Ana'))).toBe('Ana');
    expect(agentTyping(showing('C'), typing('C', 'agent', true))).toBe('Agent');
    expect(agentTyping(showing('C'), typing('C', 'agent', false))).toBeNull();
    expect(agentTyping(showing('C'), typing('other', 'agent', true))).toBeUndefined();
    expect(agentTyping(showing('C'), typing('C', 'visitor', true))).toBeUndefined();
  });

  it('ends the typing line when the agent\'s message arrives', () => {
    expect(endsTyping([from('visitor', 1), from('agent', 2)])).toBe(true);
    expect(endsTyping([from('agent', 1), from('visitor', 2)])).toBe(false);
    expect(endsTyping([])).toBe(false);
  });

  it('tells the host page about agents\' messages in its conversation only', () => {
    expect(hostMessage(showing('C'), from('agent', 2, { author_name: 'Ana', body: 'Hi!' }))).toEqual({ text: 'Hi!', author: 'Ana' });
    expect(hostMessage(showing('C'), from('visitor', 2))).toBeNull();
    expect(hostMessage(showing('other'), from('agent', 2))).toBeNull();
  });
});

describe('drafts', () => {
  it('keeps messages written before the conversation exists, in order, with distinct ids', () => {
    const one = addDraft([], 'hello', 1000);
    const two = addDraft(one, 'anyone?', 1000);
    expect(two.map((d) => d.text)).toEqual(['hello', 'anyone?']);
    expect(new Set(two.map((d) => d.id)).size).toBe(2);
    expect(one).toHaveLength(1);
  });
});

describe('needsContact', () => {
  const closed = { closed: true, ask_contact: true };
  it('asks out of hours, when the site wants it, before anything is written', () => {
    expect(needsContact(closed, '', false, 0)).toBe(true);
  });
  it('does not ask in hours, when the site does not want it, or when an address is known', () => {
    expect(needsContact({ closed: false, ask_contact: true }, '', false, 0)).toBe(false);
    expect(needsContact({ closed: true }, '', false, 0)).toBe(false);
    expect(needsContact(undefined, '', false, 0)).toBe(false);
    expect(needsContact(closed, 'ann@example.com', false, 0)).toBe(false);
  });
  it('asks once: not after an answer or a skip, nor once the visitor has written', () => {
    expect(needsContact(closed, '', true, 0)).toBe(false);
    expect(needsContact(closed, '', false, 3)).toBe(false);
  });
});
