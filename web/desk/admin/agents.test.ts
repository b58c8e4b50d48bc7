import { describe, expect, it } from 'vitest';
import { maxChatsProblem, withDepartment } from './api';

describe('max chats', () => {
  it('takes a whole number from 0 (the workspace default) to 100, as the API does', () => {
    for (const ok of ['0', '1', '5', ' 12 ', '100']) expect(maxChatsProblem(ok)).toBe('');
  });

  it('refuses anything else with the range to use', () => {
    for (const bad of ['', ' ', '-1', '101', '1000', '2.5', '1e2', 'five']) expect(maxChatsProblem(bad)).toMatch(/whole number from 0 to 100/);
  });
});

describe("a department in an agent's list", () => {
  it('is added or removed, the agent\'s other departments kept', () => {
    expect(withDepartment(['sales'], 'billing', true)).toEqual(['sales', 'billing']);
    expect(withDepartment(['sales', 'billing'], 'billing', false)).toEqual(['sales']);
    expect(withDepartment([], 'billing', false)).toEqual([]);
  });

  it('is never listed twice', () => {
    expect(withDepartment(['billing', 'sales'], 'billing', true)).toEqual(['billing', 'sales']);
  });
});
