import { describe, expect, it } from 'vitest';
import { change, csv, duration } from './figures';

describe('figures', () => {
  it('says the change against the previous period', () => {
    expect(change(12, 10)).toBe('+20 %');
    expect(change(5, 10)).toBe('−50 %');
    expect(change(10, 10)).toBe('±0 %');
    expect(change(3, 0)).toBe('');
    expect(change(0, 0)).toBe('±0 %');
  });
  it('says durations as people do', () => {
    expect(duration(null)).toBe('—');
    expect(duration(45)).toBe('45 s');
    expect(duration(200)).toBe('3 min 20 s');
    expect(duration(600)).toBe('10 min');
    expect(duration(7500)).toBe('2 h 5 min');
    expect(duration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
  });
  it('writes CSV that a spreadsheet opens as text', () => {
    expect(csv([['date', 'started'], ['2026-10-25', 3]])).toBe('date,started\r\n2026-10-25,3\r\n');
    expect(csv([['a "quoted", comma'], ['=HYPERLINK("x")'], ['-1 bad'], [-1]])).toBe('"a ""quoted"", comma"\r\n"\'=HYPERLINK(""x"")"\r\n\'-1 bad\r\n-1\r\n');
  });
});
