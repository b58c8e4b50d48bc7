import { describe, expect, it } from 'vitest';
import { fileOf, fileSize, refusal } from './files';

describe('files', () => {
  const policy = { max_bytes: 10 << 20, per_conversation: 50, accept: ['.pdf', '.png'] };

  it('refuses before upload what the workspace does not take', () => {
    expect(refusal(policy, { name: 'a.PDF', size: 10 })).toBeNull();
    expect(refusal(policy, { name: 'a.png', size: (10 << 20) + 1 })).toBe('too_large');
    expect(refusal(policy, { name: 'a.svg', size: 10 })).toBe('type');
    expect(refusal(policy, { name: 'README', size: 10 })).toBe('type');
    expect(refusal(policy, { name: 'a.pdf', size: 0 })).toBe('empty');
    expect(refusal({ ...policy, max_bytes: 0 }, { name: 'a.pdf', size: 10 })).toBe('off');
    expect(refusal(null, { name: 'a.exe', size: 10 })).toBeNull(); // not told yet: the server decides
  });

  it('reads a file message and sizes for people', () => {
    expect(fileOf({ kind: 'file', meta: { file: { id: 'x', name: 'a.pdf', type: 'application/pdf', size: 3 } } })?.name).toBe('a.pdf');
    expect(fileOf({ kind: 'text', meta: { file: { id: 'x' } } })).toBeNull();
    expect([fileSize(73), fileSize(1536), fileSize(10 << 20), fileSize(123456789)]).toEqual(['73 B', '1.5 KB', '10 MB', '118 MB']);
  });
});
