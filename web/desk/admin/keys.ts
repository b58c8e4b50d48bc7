// API keys' scopes (docs/api.md, Public API): "<resource>:<access>", where
// write includes read. The settings screen edits them as a grid (one
// choice per resource) and lists them as short text; both live here, free
// of the DOM, so they are tested on their own.

/** What a key may reach, in the order the screen shows them. */
export const SCOPE_RESOURCES = ['contacts', 'conversations', 'messages', 'tickets', 'boards', 'analytics', 'broadcasts'] as const;
export type ScopeResource = (typeof SCOPE_RESOURCES)[number];

/** A resource's access: none, read, or read and write. */
export type ScopeAccess = 'none' | 'read' | 'write';
export const SCOPE_ACCESS: readonly { value: ScopeAccess; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'read', label: 'Read' },
  { value: 'write', label: 'Read and write' },
];

/** The grid: each resource's access. */
export type ScopeGrid = Record<ScopeResource, ScopeAccess>;

/** The longest name of a key, in characters. */
export const MAX_KEY_NAME = 100;
/** The most keys a workspace may have that are not revoked (docs/api.md: the server answers 409 too_many_api_keys past it; shown here, not enforced). */
export const LIVE_KEYS_LIMIT = 50;

/** A grid with nothing allowed (the form's start). */
export function emptyGrid(): ScopeGrid {
  return Object.fromEntries(SCOPE_RESOURCES.map((r) => [r, 'none'])) as ScopeGrid;
}

const isResource = (s: string): s is ScopeResource => (SCOPE_RESOURCES as readonly string[]).includes(s);

/** scopesFromGrid is what the server is sent: one scope per resource allowed, in the grid's order. */
export function scopesFromGrid(grid: ScopeGrid): string[] {
  return SCOPE_RESOURCES.filter((r) => grid[r] !== 'none').map((r) => `${r}:${grid[r]}`);
}

/**
 * gridFromScopes reads a key's scopes back into a grid: write wins over
 * read (it includes it); scopes the desk does not know are left out.
 */
export function gridFromScopes(scopes: readonly string[] | null | undefined): ScopeGrid {
  const grid = emptyGrid();
  for (const s of scopes ?? []) {
    const [resource, access, ...rest] = s.split(':');
    if (rest.length || !isResource(resource)) continue;
    if (access === 'write') grid[resource] = 'write';
    else if (access === 'read' && grid[resource] === 'none') grid[resource] = 'read';
  }
  return grid;
}

/**
 * scopesSummary is a key's scopes in a line: "contacts: read and write,
 * analytics: read", in the grid's order; scopes the desk does not know
 * follow as they are; none: "none".
 */
export function scopesSummary(scopes: readonly string[] | null | undefined): string {
  const grid = gridFromScopes(scopes);
  const known = SCOPE_RESOURCES.filter((r) => grid[r] !== 'none').map((r) => `${r}: ${grid[r] === 'write' ? 'read and write' : 'read'}`);
  const unknown = (scopes ?? []).filter((s) => {
    const [resource, access, ...rest] = s.split(':');
    return rest.length > 0 || !isResource(resource) || (access !== 'read' && access !== 'write');
  });
  const all = [...known, ...unknown.filter((s, i) => unknown.indexOf(s) === i)];
  return all.length ? all.join(', ') : 'none';
}

/** keyLabel is how a key is recognised in the list: "ld_abcd1234…". */
export function keyLabel(prefix: string): string {
  return `${prefix.startsWith('ld_') ? prefix : `ld_${prefix}`}…`;
}

/** nameProblem is what is wrong with a key's name ('' when nothing). */
export function nameProblem(name: string): string {
  const n = name.trim();
  if (!n) return 'Give the key a name, e.g. the system that uses it.';
  if ([...n].length > MAX_KEY_NAME) return `The name is at most ${MAX_KEY_NAME} characters.`;
  return '';
}

/** The message when no resource is allowed. */
export const NO_SCOPE = 'Choose at least one scope: Read or Read and write for one resource or more.';
