// Where a board shows each ticket, as the server decides it (store.
// BoardTickets): a placed ticket in its column by rank; on the default
// board, a ticket no agent placed in the first column of its stage (or
// the first column), after the placed ones, oldest first; a closed
// column latest closed first. Kept here so that a move made on this desk
// or arriving from another shows at once, in its place, without a reload.
import type { Board, Ticket } from '../../shared/protocol';

/** The column a board shows t in, or '' when it does not show it. */
export function columnOf(b: Board, t: Ticket, isDefault: boolean): string {
  const live = b.columns.filter((c) => !c.archived_at);
  if (t.archived_at) return '';
  if (t.board_id) return t.board_id === b.id && live.some((c) => c.id === t.column_id) ? (t.column_id ?? '') : '';
  if (!isDefault || live.length === 0) return '';
  return (live.find((c) => c.stage === t.stage) ?? live[0]).id;
}

/** The board's tickets by column id, each column in its order. */
export function arrange(b: Board, tickets: readonly Ticket[], isDefault: boolean): Map<string, Ticket[]> {
  const out = new Map<string, Ticket[]>();
  for (const c of b.columns) if (!c.archived_at) out.set(c.id, []);
  for (const t of tickets) {
    const col = columnOf(b, t, isDefault);
    out.get(col)?.push(t);
  }
  // Times as numbers: the server's RFC 3339 drops trailing zeros of the
  // fraction, so the strings do not sort as the times do.
  const at = (iso?: string) => (iso ? Date.parse(iso) : 0);
  const byID = (x: Ticket, y: Ticket) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  for (const [id, list] of out) {
    const closed = b.columns.find((c) => c.id === id)?.stage === 'closed';
    list.sort((x, y) =>
      closed
        ? at(y.closed_at) - at(x.closed_at) || byID(x, y)
        : x.rank !== undefined && y.rank !== undefined
          ? x.rank - y.rank || byID(x, y)
          : x.rank !== undefined
            ? -1
            : y.rank !== undefined
              ? 1
              : at(x.created_at) - at(y.created_at) || byID(x, y),
    );
  }
  return out;
}

/** tickets with t in place of the one of its id (added when new). */
export function upsert(tickets: readonly Ticket[], t: Ticket): Ticket[] {
  const i = tickets.findIndex((x) => x.id === t.id);
  if (i < 0) return [...tickets, t];
  const out = [...tickets];
  out[i] = t;
  return out;
}

/**
 * The rank a move gives t for the position "before beforeId" (or at the
 * end) among the column's placed tickets: what the server will give it,
 * near enough to show the drop at once (the answer then corrects it).
 */
export function guessRank(column: readonly Ticket[], movingId: string, beforeId: string): number {
  const others = column.filter((x) => x.id !== movingId);
  const ranks = others.map((x) => x.rank ?? 0);
  const last = ranks.length ? Math.max(...ranks) : 0;
  if (!beforeId) return last + 1024;
  const i = others.findIndex((x) => x.id === beforeId);
  if (i < 0) return last + 1024;
  const next = others[i].rank ?? last + 1024;
  const prev = i > 0 ? (others[i - 1].rank ?? next - 1024) : next - 1024;
  return (prev + next) / 2;
}

/** ids with the one at i moved by step (-1: earlier, 1: later); unchanged at either end. */
export function shifted(ids: string[], i: number, step: -1 | 1): string[] {
  const j = i + step;
  if (i < 0 || j < 0 || j >= ids.length) return ids;
  const out = [...ids];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** Whether a ticket's due date fits the board's due filter ('' : any). */
export function dueMatches(t: Ticket, due: string, now: number): boolean {
  const at = t.due_at ? Date.parse(t.due_at) : NaN;
  if (due === 'none') return !t.due_at;
  if (due === 'overdue') return t.status === 'open' && at < now;
  if (due === 'week') return t.status === 'open' && at >= now && at < now + 7 * 24 * 3600 * 1000;
  return true;
}
