import { describe, expect, it } from 'vitest';
import { duration, since } from './format';

describe('format', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('says how long ago, coarsely', () => {
    expect(since('2026-03-01T11:59:30Z', now)).toBe('now');
    expect(since('2026-03-01T11:55:00Z', now)).toBe('5m');
    expect(since('2026-03-01T10:00:00Z', now)).toBe('2h');
    expect(since('2026-02-26T12:00:00Z', now)).toBe('3d');
  });
  it('says time on site in words', () => {
    expect(duration('2026-03-01T11:59:50Z', now)).toBe('< 1 min');
    expect(duration('2026-03-01T11:56:00Z', now)).toBe('4 min');
    expect(duration('2026-03-01T10:48:00Z', now)).toBe('1 h 12 min');
  });
});
