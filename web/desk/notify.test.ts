import { describe, expect, it } from 'vitest';
import { stackToast, type Toast } from './notify';

const toast = (id: number, conversationId: string, tone: Toast['tone'] = 'info', title = `t${id}`): Toast => ({ id, title, body: `b${id}`, conversationId, tone });

describe('toasts', () => {
  it('show one toast per conversation: a newer notice replaces the older one', () => {
    const chat = toast(1, 'c1', 'new', 'New chat');
    const list = stackToast(stackToast([], chat), toast(2, 'c1', 'info', 'Message from Maria'));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 2, title: 'New chat', body: 'b2', tone: 'new' });
  });

  it('stack different conversations, at most four, the oldest going first', () => {
    let list: Toast[] = [];
    for (let i = 1; i <= 6; i++) list = stackToast(list, toast(i, `c${i}`));
    expect(list.map((t) => t.id)).toEqual([3, 4, 5, 6]);
  });
});
