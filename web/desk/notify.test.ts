import { describe, expect, it } from 'vitest';
import { soundChoices, stackToast, type Toast } from './notify';

const toast = (id: number, conversationId: string, kind: Toast['kind'] = 'message', title = `t${id}`): Toast => ({ id, title, body: `b${id}`, conversationId, kind });

describe('toasts', () => {
  it('show one toast per conversation: a newer notice replaces the older one', () => {
    const chat = toast(1, 'c1', 'chat', 'New chat');
    const list = stackToast(stackToast([], chat), toast(2, 'c1', 'message', 'Message from Maria'));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 2, title: 'New chat', body: 'b2', kind: 'chat' });
  });

  it('stack different conversations, at most four, the oldest going first', () => {
    let list: Toast[] = [];
    for (let i = 1; i <= 6; i++) list = stackToast(list, toast(i, `c${i}`));
    expect(list.map((t) => t.id)).toEqual([3, 4, 5, 6]);
  });

  it('show one toast for new visitors: the latest arrival replaces the one before', () => {
    const arrival = (id: number, visitorId: string): Toast => ({ id, title: 'New visitor', body: visitorId, kind: 'visitor', visitorId, key: 'visitor' });
    let list = stackToast([], toast(1, 'c1'));
    list = stackToast(list, arrival(2, 'v1'));
    list = stackToast(list, arrival(3, 'v2'));
    expect(list.map((t) => [t.id, t.kind])).toEqual([
      [1, 'message'],
      [3, 'visitor'],
    ]);
    expect(list[1].visitorId).toBe('v2');
  });

  it('replace an agent\'s toast by a newer one of theirs, and stack different agents', () => {
    const away = (id: number, agent: string): Toast => ({ id, title: `${agent} is away`, body: '', kind: 'agentDrop', key: `agent ${agent}` });
    const list = stackToast(stackToast(stackToast([], away(1, 'ana')), away(2, 'bo')), away(3, 'ana'));
    expect(list.map((t) => t.id)).toEqual([2, 3]);
  });

  it('stack toasts that have neither key nor conversation', () => {
    const bare = (id: number): Toast => ({ id, title: 'x', body: '', kind: 'agentDrop' });
    expect(stackToast(stackToast([], bare(1)), bare(2))).toHaveLength(2);
  });
});

describe('sound choices', () => {
  it('sound for every kind but a new visitor by default', () => {
    expect(soundChoices(null)).toEqual({ visitor: false, chat: true, message: true, visitorDrop: true, agentDrop: true });
  });

  it('carry over the two earlier choices: chats from "new", the rest from "info"', () => {
    expect(soundChoices({ new: false, info: true })).toEqual({ visitor: false, chat: false, message: true, visitorDrop: true, agentDrop: true });
    expect(soundChoices({ new: true, info: false })).toEqual({ visitor: false, chat: true, message: false, visitorDrop: false, agentDrop: false });
  });

  it('keep each kind as chosen since', () => {
    const chosen = { visitor: true, chat: false, message: true, visitorDrop: false, agentDrop: true };
    expect(soundChoices(chosen)).toEqual(chosen);
    // A choice per kind wins over the earlier two it came from.
    expect(soundChoices({ info: false, message: true }).message).toBe(true);
  });
});
