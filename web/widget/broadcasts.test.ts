import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ack, BroadcastView } from '../shared/protocol';
import { Broadcasts, SPREAD_MS } from './broadcasts';

const banner: BroadcastView = { id: 'b1', kind: 'banner', placement: 'top', text: 'Sale' };
const message: BroadcastView = { id: 'm1', kind: 'message', text: 'Need help?', sender: 'Ann' };

/** A widget's broadcasts on a page whose URL the test sets, answering every sync with answer. */
function setup(answer: BroadcastView[]) {
  const sent: { type: string; fields: Record<string, unknown> }[] = [];
  let url = 'https://shop.example/pricing';
  const casts = new Broadcasts(
    (type, fields) => {
      sent.push({ type, fields });
      return Promise.resolve({ type: 'ack', id: 'x', broadcasts: type === 'broadcasts.sync' ? answer : undefined } as Ack);
    },
    () => url,
  );
  return { casts, sent, go: (u: string) => (url = u) };
}


describe('broadcasts in the widget', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('asks with its page and keeps its page view across reconnects; a new page is a new page view', async () => {
    const { casts, sent, go } = setup([banner]);
    casts.sync();
    casts.sync(); // a reconnect's welcome
    go('https://shop.example/pricing#faq'); // a jump to an anchor: the same page view
    casts.follow();
    go('https://shop.example/');
    casts.follow();
    casts.follow(); // nothing changed since
    await vi.waitFor(() => expect(casts.list.value).toEqual([banner]));
    const syncs = sent.filter((s) => s.type === 'broadcasts.sync').map((s) => s.fields);
    expect(syncs.map((f) => f.url)).toEqual(['https://shop.example/pricing', 'https://shop.example/pricing', 'https://shop.example/']);
    expect(syncs[0].view).toBe(syncs[1].view);
    expect(syncs[2].view).not.toBe(syncs[1].view);
    expect(String(syncs[0].view).length).toBeGreaterThanOrEqual(8);
  });

  it('withdraws a paused broadcast at once, and asks again within the spread when one goes live', async () => {
    const { casts, sent } = setup([banner, message]);
    casts.sync();
    await vi.waitFor(() => expect(casts.list.value).toHaveLength(2));
    casts.changed('b1', false);
    expect(casts.list.value).toEqual([message]);
    const before = sent.length;
    casts.changed('b2', true);
    expect(sent.length).toBe(before); // not at once: thousands of widgets were told together
    vi.advanceTimersByTime(SPREAD_MS);
    expect(sent.length).toBe(before + 1);
    expect(sent.at(-1)?.type).toBe('broadcasts.sync');
  });

  it('reports a showing once per page view, and a dismissal takes it away', async () => {
    const { casts, sent, go } = setup([banner, message]);
    casts.sync();
    await vi.waitFor(() => expect(casts.list.value).toHaveLength(2));
    casts.shown('b1');
    casts.shown('b1');
    go('https://shop.example/other');
    casts.follow();
    casts.shown('b1');
    casts.dismiss('m1');
    const events = sent.filter((s) => s.type === 'broadcast.event').map((s) => [s.fields.broadcast_id, s.fields.event]);
    expect(events).toEqual([
      ['b1', 'shown'],
      ['b1', 'shown'],
      ['m1', 'dismissed'],
    ]);
    expect(casts.message()).toBeUndefined();
  });
});

describe('broadcasts taken away stay away', () => {
  it('an answer on its way when the visitor dismissed it does not bring it back', async () => {
    let answer: (a: Ack) => void = () => undefined;
    const casts = new Broadcasts(
      (type) => (type === 'broadcasts.sync' ? new Promise<Ack>((r) => (answer = r)) : Promise.resolve({ type: 'ack', id: 'e' } as Ack)),
      () => 'https://shop.example/',
    );
    casts.sync();
    answer({ type: 'ack', id: '1', broadcasts: [banner] });
    await vi.waitFor(() => expect(casts.list.value).toEqual([banner]));
    casts.sync(); // asked again (a reconnect); the answer is on its way
    casts.dismiss('b1');
    answer({ type: 'ack', id: '2', broadcasts: [banner, message] });
    await vi.waitFor(() => expect(casts.list.value).toEqual([message]));
  });

  it('a dismissal made offline is sent before the next question', async () => {
    const sent: string[] = [];
    let online = false;
    const casts = new Broadcasts(
      (type, fields) => {
        if (!online) return Promise.reject(Object.assign(new Error('not connected'), { code: 'disconnected', retry: true }));
        sent.push(`${type} ${String(fields.event ?? '')}`.trim());
        return Promise.resolve({ type: 'ack', id: 'x', broadcasts: [] } as Ack);
      },
      () => 'https://shop.example/',
    );
    casts.dismiss('b1');
    await Promise.resolve();
    online = true;
    casts.sync(); // the next welcome
    expect(sent).toEqual(['broadcast.event dismissed', 'broadcasts.sync']);
  });
});
