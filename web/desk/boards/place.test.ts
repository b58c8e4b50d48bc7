import { describe, expect, it } from 'vitest';
import type { Board, Ticket } from '../../shared/protocol';
import { arrange, columnOf, dueMatches, guessRank, shifted, upsert } from './place';

const board: Board = {
  id: 'b',
  workspace_id: 'w',
  name: 'Support',
  position: 0,
  created_at: '',
  updated_at: '',
  columns: [
    { id: 'new', board_id: 'b', name: 'New', stage: 'new', position: 0 },
    { id: 'wait', board_id: 'b', name: 'Waiting', stage: 'waiting', position: 1 },
    { id: 'done', board_id: 'b', name: 'Closed', stage: 'closed', position: 2 },
  ],
};

function ticket(id: string, fields: Partial<Ticket> = {}): Ticket {
  return {
    id,
    site_id: 's',
    visitor_id: 'v',
    conversation_id: 'c',
    status: 'open',
    stage: 'new',
    priority: 'normal',
    tags: [],
    public: false,
    reason: 'no_agent',
    subject: id,
    created_at: `2026-01-01T00:00:0${id.length}Z`,
    updated_at: '',
    visitor_name: 'V',
    last_message: '',
    last_activity_at: '',
    ...fields,
  };
}

describe('boards: where a ticket shows', () => {
  it('puts placed tickets by rank, then unplaced ones by age, in their stage', () => {
    const cols = arrange(
      board,
      [
        ticket('aa'),
        ticket('b', { board_id: 'b', column_id: 'new', rank: 2048 }),
        ticket('c', { board_id: 'b', column_id: 'new', rank: 1024 }),
        ticket('w', { stage: 'waiting' }),
        ticket('x', { board_id: 'other', column_id: 'z', rank: 1 }),
      ],
      true,
    );
    expect(cols.get('new')?.map((t) => t.id)).toEqual(['c', 'b', 'aa']);
    expect(cols.get('wait')?.map((t) => t.id)).toEqual(['w']);
  });

  it('shows unplaced tickets only on the default board, and a closed column latest first', () => {
    expect(columnOf(board, ticket('a'), false)).toBe('');
    const cols = arrange(
      board,
      [ticket('a', { stage: 'closed', closed_at: '2026-01-01T01:00:00Z' }), ticket('b', { stage: 'closed', closed_at: '2026-01-01T02:00:00Z' })],
      true,
    );
    expect(cols.get('done')?.map((t) => t.id)).toEqual(['b', 'a']);
  });

  it('guesses a drop between neighbours and replaces a ticket by id', () => {
    const col = [ticket('a', { rank: 1024 }), ticket('b', { rank: 2048 }), ticket('c', { rank: 3072 })];
    expect(guessRank(col, 'c', 'b')).toBe(1536);
    expect(guessRank(col, 'a', '')).toBe(4096);
    expect(guessRank(col, 'c', 'a')).toBe(512);
    expect(upsert(col, ticket('b', { rank: 9 })).map((t) => t.rank)).toEqual([1024, 9, 3072]);
    expect(upsert(col, ticket('d')).length).toBe(4);
  });
});

describe('shifted', () => {
  it('moves a board one place earlier or later', () => {
    expect(shifted(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c']);
    expect(shifted(['a', 'b', 'c'], 1, 1)).toEqual(['a', 'c', 'b']);
  });
  it('leaves the order as it is at either end, or for one it does not hold', () => {
    expect(shifted(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(shifted(['a', 'b'], 1, 1)).toEqual(['a', 'b']);
    expect(shifted(['a', 'b'], -1, 1)).toEqual(['a', 'b']);
  });
});

describe('dueMatches', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const day = 24 * 3600 * 1000;
  const due = (at: number | null, status: 'open' | 'closed' = 'open') =>
    ({ status, due_at: at === null ? undefined : new Date(at).toISOString() }) as Ticket;
  it('finds the open tickets past due, and those due within a week', () => {
    expect(dueMatches(due(now - 1), 'overdue', now)).toBe(true);
    expect(dueMatches(due(now - 1, 'closed'), 'overdue', now)).toBe(false);
    expect(dueMatches(due(now + day), 'overdue', now)).toBe(false);
    expect(dueMatches(due(now + 6 * day), 'week', now)).toBe(true);
    expect(dueMatches(due(now + 8 * day), 'week', now)).toBe(false);
    expect(dueMatches(due(null), 'week', now)).toBe(false);
  });
  it('finds those without a due date, and lets every ticket through without a filter', () => {
    expect(dueMatches(due(null), 'none', now)).toBe(true);
    expect(dueMatches(due(now), 'none', now)).toBe(false);
    expect(dueMatches(due(now), '', now)).toBe(true);
  });
});
