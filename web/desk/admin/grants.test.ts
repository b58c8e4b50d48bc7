import { describe, expect, it } from 'vitest';
import { byRole, inOrder } from './grants';

describe('the permissions column', () => {
  it('takes what the role gives from the server record, never from the grants being sent', () => {
    expect(byRole({ grants: ['analytics.view'], permissions: ['analytics.view', 'contacts.manage'] })).toEqual(['contacts.manage']);
    expect(byRole({ grants: ['analytics.view'], permissions: ['analytics.view'] })).toEqual([]);
    expect(byRole({})).toEqual([]);
  });
});

/** A request whose answer the test gives (ok) or refuses (no). */
const requests = () => {
  const sent: { v: string[]; ok: () => void; no: () => void }[] = [];
  const send = (v: string[]) =>
    new Promise<void>((ok, no) => {
      sent.push({ v, ok: () => ok(), no: () => no(new Error('refused')) });
    });
  return { sent, send };
};
const settle = () => new Promise((r) => setTimeout(r));

describe('sending grant changes in order', () => {
  it('sends one at a time, then only the latest wanted', async () => {
    const { sent, send } = requests();
    let idle = 0;
    const want = inOrder(send, () => idle++);
    want(['a']);
    want(['a', 'b']);
    want(['a', 'b', 'c']);
    expect(sent.map((s) => s.v)).toEqual([['a']]); // the others wait for its answer
    sent[0].ok();
    await settle();
    expect(sent.map((s) => s.v)).toEqual([['a'], ['a', 'b', 'c']]);
    expect(idle).toBe(0);
    sent[1].ok();
    await settle();
    expect(idle).toBe(1);
    want([]);
    expect(sent).toHaveLength(3); // idle again: sent at once
  });

  it('drops what waits after a refusal, and starts afresh', async () => {
    const { sent, send } = requests();
    let idle = 0;
    const want = inOrder(send, () => idle++);
    want(['a']);
    want(['b']);
    sent[0].no();
    await settle();
    expect(sent).toHaveLength(1);
    expect(idle).toBe(1);
    want(['c']);
    expect(sent.map((s) => s.v)).toEqual([['a'], ['c']]);
  });
});
