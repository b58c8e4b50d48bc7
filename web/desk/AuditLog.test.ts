import { describe as suite, expect, it } from 'vitest';
import { describe } from './AuditLog';

suite('audit entries in words', () => {
  it('say what changed for roles and blocks, and nothing for a sign-in', () => {
    expect(describe({ id: '1', at: '', action: 'role_changed', detail: { from: 'agent', to: 'supervisor' } })).toBe('agent → supervisor');
    expect(describe({ id: '2', at: '', action: 'block_created', detail: { kind: 'ip', value: '203.0.113.5' } })).toBe('ip 203.0.113.5');
    expect(describe({ id: '3', at: '', action: 'sign_in' })).toBe('');
  });
});
