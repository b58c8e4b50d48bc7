import { describe, expect, it } from 'vitest';
import { toInstant, toLocal } from './zone';

describe('broadcast times in the workspace zone', () => {
  it('reads a wall-clock time in the zone, whatever the browser is in', () => {
    expect(toInstant('2025-01-15T09:00', 'Europe/Berlin')).toBe('2025-01-15T08:00:00Z');
    expect(toInstant('2025-07-15T09:00', 'Europe/Berlin')).toBe('2025-07-15T07:00:00Z');
    expect(toInstant('2025-07-15T09:00', 'America/New_York')).toBe('2025-07-15T13:00:00Z');
    expect(toInstant('2025-07-15T09:00', 'Asia/Kolkata')).toBe('2025-07-15T03:30:00Z');
    expect(toInstant('2025-07-15T09:00', 'UTC')).toBe('2025-07-15T09:00:00Z');
    expect(toInstant('2025-12-31T23:30', 'Pacific/Auckland')).toBe('2025-12-31T10:30:00Z');
    expect(toInstant('2025-07-15T09:00:30', 'UTC')).toBe('2025-07-15T09:00:30Z');
  });
  it('gives nothing for an empty or unfinished value', () => {
    expect(toInstant('', 'UTC')).toBe('');
    expect(toInstant('2025-07-15', 'UTC')).toBe('');
    expect(toLocal(null, 'UTC')).toBe('');
    expect(toLocal('', 'UTC')).toBe('');
    expect(toLocal('not a time', 'UTC')).toBe('');
  });
  it('falls back to UTC for an unknown zone', () => {
    expect(toInstant('2025-07-15T09:00', '')).toBe('2025-07-15T09:00:00Z');
    expect(toInstant('2025-07-15T09:00', 'Mars/Olympus')).toBe('2025-07-15T09:00:00Z');
  });
  it('takes a skipped time as after the gap, and a repeated one as the first', () => {
    // Berlin skips 02:00–03:00 on 30 March 2025 and repeats 02:00–03:00 on 26 October.
    expect(toInstant('2025-03-30T02:30', 'Europe/Berlin')).toBe('2025-03-30T01:30:00Z'); // 03:30 CEST
    expect(toInstant('2025-03-30T01:59', 'Europe/Berlin')).toBe('2025-03-30T00:59:00Z');
    expect(toInstant('2025-03-30T03:00', 'Europe/Berlin')).toBe('2025-03-30T01:00:00Z');
    expect(toInstant('2025-10-26T02:30', 'Europe/Berlin')).toBe('2025-10-26T00:30:00Z'); // the CEST one
    expect(toInstant('2025-10-26T03:00', 'Europe/Berlin')).toBe('2025-10-26T02:00:00Z');
    // New York skips 02:00–03:00 on 9 March 2025.
    expect(toInstant('2025-03-09T02:30', 'America/New_York')).toBe('2025-03-09T07:30:00Z'); // 03:30 EDT
    expect(toInstant('2025-11-02T01:30', 'America/New_York')).toBe('2025-11-02T05:30:00Z'); // the EDT one
  });
  it('shows an instant as the zone reads it, and back', () => {
    expect(toLocal('2025-01-15T08:00:00Z', 'Europe/Berlin')).toBe('2025-01-15T09:00');
    expect(toLocal('2025-07-15T13:00:00Z', 'America/New_York')).toBe('2025-07-15T09:00');
    expect(toLocal('2025-07-15T09:00:00+02:00', 'UTC')).toBe('2025-07-15T07:00');
    expect(toLocal('2025-12-31T10:30:00Z', 'Pacific/Auckland')).toBe('2025-12-31T23:30');
    expect(toLocal('2025-10-26T00:30:00Z', 'Europe/Berlin')).toBe('2025-10-26T02:30');
    expect(toLocal('2025-10-26T01:30:00Z', 'Europe/Berlin')).toBe('2025-10-26T02:30');
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Tokyo', 'UTC']) {
      for (const local of ['2025-01-01T00:00', '2025-06-30T12:45', '2024-02-29T23:59']) expect(toLocal(toInstant(local, zone), zone)).toBe(local);
    }
  });
});
