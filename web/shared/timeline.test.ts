import { describe, expect, it } from 'vitest';
import { msg } from '../test/fixtures';
import { Timeline } from './timeline';

describe('Timeline', () => {
  it('drops duplicates by seq', () => {
    const t = new Timeline();
    expect(t.apply(msg(1))).toBe(true);
    expect(t.apply(msg(2))).toBe(true);
    expect(t.apply(msg(1))).toBe(false);
    expect(t.apply(msg(2))).toBe(false);
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('holds events back behind a gap and reports the gap', () => {
    const t = new Timeline();
    t.apply(msg(1));
    expect(t.apply(msg(4))).toBe(false);
    expect(t.apply(msg(5))).toBe(false);
    expect(t.gap()).toEqual({ after: 1, until: 3 });
    t.apply(msg(3));
    expect(t.gap()).toEqual({ after: 1, until: 2 });
    expect(t.apply(msg(2))).toBe(true);
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(t.gap()).toBeNull();
    expect(t.last).toBe(5);
  });

  it('finds a message by client_msg_id', () => {
    const t = new Timeline();
    t.apply(msg(1, 'x', 'C', 'mine'));
    expect(t.has('mine')).toBe(true);
    expect(t.has('other')).toBe(false);
  });
});
