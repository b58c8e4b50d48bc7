import { describe, expect, it } from 'vitest';
import { emptyGrid, gridFromScopes, keyLabel, MAX_KEY_NAME, nameProblem, SCOPE_RESOURCES, scopesFromGrid, scopesSummary } from './keys';

describe('the scope grid', () => {
  it('starts with nothing allowed', () => {
    const g = emptyGrid();
    expect(Object.keys(g)).toEqual([...SCOPE_RESOURCES]);
    expect(Object.values(g).every((a) => a === 'none')).toBe(true);
    expect(scopesFromGrid(g)).toEqual([]);
  });
  it('sends one scope per resource allowed, in the grid order', () => {
    const g = { ...emptyGrid(), analytics: 'read', contacts: 'write', tickets: 'read' } as const;
    expect(scopesFromGrid(g)).toEqual(['contacts:write', 'tickets:read', 'analytics:read']);
  });
  it('reads scopes back, write winning over read, unknown ones left out', () => {
    expect(gridFromScopes(['contacts:read', 'contacts:write', 'broadcasts:read', 'boards:write', 'boards:read', 'files:read', 'tickets:admin', 'x'])).toEqual({
      ...emptyGrid(),
      contacts: 'write',
      broadcasts: 'read',
      boards: 'write',
    });
    expect(gridFromScopes(null)).toEqual(emptyGrid());
  });
  it('round-trips', () => {
    const g = { ...emptyGrid(), conversations: 'read', messages: 'write' } as const;
    expect(gridFromScopes(scopesFromGrid(g))).toEqual(g);
  });
});

describe('the scopes summary', () => {
  it('says each resource allowed, in the grid order', () => {
    expect(scopesSummary(['analytics:read', 'contacts:write'])).toBe('contacts: read and write, analytics: read');
    expect(scopesSummary(['contacts:read', 'contacts:write'])).toBe('contacts: read and write');
  });
  it('keeps scopes it does not know, once, and says none for none', () => {
    expect(scopesSummary(['files:read', 'tickets:read', 'files:read'])).toBe('tickets: read, files:read');
    expect(scopesSummary([])).toBe('none');
    expect(scopesSummary(undefined)).toBe('none');
  });
});

describe('a key in the list and its name', () => {
  it('shows the prefix after ld_', () => {
    expect(keyLabel('abcd1234')).toBe('ld_abcd1234…');
    expect(keyLabel('ld_abcd1234')).toBe('ld_abcd1234…');
  });
  it('wants 1 to 100 characters', () => {
    expect(nameProblem('  ')).not.toBe('');
    expect(nameProblem('CRM sync')).toBe('');
    expect(nameProblem('é'.repeat(MAX_KEY_NAME))).toBe('');
    expect(nameProblem('a'.repeat(MAX_KEY_NAME + 1))).not.toBe('');
  });
});
