import { describe, expect, it } from 'vitest';
import type { Message } from './protocol';
import { deliveredUpTo, receipt } from './receipts';

const msg = (seq: number, author_type: Message['author_type'], kind: Message['kind'] = 'text'): Message =>
  ({ seq, author_type, kind, id: `m${seq}`, conversation_id: 'c', body: 'x', created_at: '' }) as Message;

describe('receipt', () => {
  it('is sent until the other side has it, delivered on its device, seen on its screen', () => {
    expect(receipt(3)).toBe('sent');
    expect(receipt(3, 2, 0)).toBe('sent');
    expect(receipt(3, 3, 0)).toBe('delivered');
    expect(receipt(3, 5, 2)).toBe('delivered');
    expect(receipt(3, 0, 3)).toBe('seen'); // seen carries delivery, even when the delivered marker lags
  });
});

describe('deliveredUpTo', () => {
  const visitor = (m: Message) => m.author_type === 'visitor';
  it("reports the other side's latest message once", () => {
    const list = [msg(1, 'visitor'), msg(2, 'agent'), msg(3, 'visitor')];
    expect(deliveredUpTo(list, visitor, 0)).toBe(2);
    expect(deliveredUpTo(list, visitor, 2)).toBeNull();
  });
  it('says nothing for own messages or system events', () => {
    expect(deliveredUpTo([msg(1, 'visitor'), msg(2, 'system', 'system')], visitor, 0)).toBeNull();
    expect(deliveredUpTo([], visitor, 0)).toBeNull();
  });
});
