// The boards' REST calls (docs/api.md, Boards).
import type { Board, Stage, Ticket } from '../../shared/protocol';
import { call } from '../api';

export type { Board, Stage, Ticket };

export interface BoardView {
  board: Board;
  tickets: Ticket[];
}

const path = (id: string) => `/boards/${encodeURIComponent(id)}`;
export const listBoards = () => call<{ items: Board[] }>('GET', '/boards').then((r) => r.items);
export const getBoard = (id: string) => call<BoardView>('GET', path(id));
export const createBoard = (name: string) => call<Board>('POST', '/boards', { name });
export const addColumn = (boardId: string, name: string, stage: Stage) => call<Board>('POST', `${path(boardId)}/columns`, { name, stage });
/** Puts a ticket in a column, before another ticket of it ('' : at its end). */
export const moveTicket = (id: string, columnId: string, beforeId: string) =>
  call<Ticket>('POST', `/tickets/${encodeURIComponent(id)}/move`, beforeId ? { column_id: columnId, before_id: beforeId } : { column_id: columnId });
