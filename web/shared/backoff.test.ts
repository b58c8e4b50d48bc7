import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('stays below a bound that doubles from 100 ms up to 5 s', () => {
    const b = new Backoff(100, 5000, () => 0.9999);
    const waits = Array.from({ length: 9 }, () => b.next());
    expect(waits).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999, 4999]);
  });

  it('can wait nothing at all (full jitter)', () => {
    const b = new Backoff(100, 5000, () => 0);
    expect([b.next(), b.next(), b.next()]).toEqual([0, 0, 0]);
  });

  it('starts over after reset', () => {
    const b = new Backoff(100, 5000, () => 0.5);
    b.next();
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('keeps every wait within [0, 5000) for random draws', () => {
    const b = new Backoff();
    for (let i = 0; i < 200; i++) {
      const w = b.next();
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(5000);
    }
  });
});
