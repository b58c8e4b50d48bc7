// The boards' REST calls (docs/api.md, Boards).
import type { Board, Conversation, Priority, Stage, Ticket } from '../../shared/protocol';
import { call } from '../api';

export type { Board, Priority, Stage, Ticket };

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

/** A ticket's fields as PATCH /api/v1/tickets/{id} takes them (each optional). */
export interface TicketPatch {
  subject?: string;
  description?: string;
  priority?: Priority;
  type?: string;
  due_at?: string;
  tags?: string[];
  public?: boolean;
  department_id?: string;
  /** The requester ('' : none). */
  contact_id?: string;
}
export const updateTicket = (id: string, p: TicketPatch) => call<Ticket>('PATCH', `/tickets/${encodeURIComponent(id)}`, p);

export interface TicketEvent {
  id: string;
  actor_name: string;
  action: string;
  detail: Record<string, unknown>;
  created_at: string;
}
export const ticketHistory = (id: string) => call<{ items: TicketEvent[] }>('GET', `/tickets/${encodeURIComponent(id)}/history`).then((r) => r.items);
/** Merges the duplicate fromId into the ticket id. */
export const mergeTicket = (id: string, fromId: string) => call<Ticket>('POST', `/tickets/${encodeURIComponent(id)}/merge`, { from_id: fromId });
/** A ticket's conversations, newest activity first. */
export const ticketChats = (id: string) => call<{ items: Conversation[] }>('GET', `/tickets/${encodeURIComponent(id)}/conversations`).then((r) => r.items);
/** Who watches a ticket; the signed-in agent starts (on) or stops watching it. */
export const ticketWatchers = (id: string) => call<{ items: string[] }>('GET', `/tickets/${encodeURIComponent(id)}/watchers`).then((r) => r.items);
export const watchTicket = (id: string, on: boolean) =>
  call<{ items: string[] }>(on ? 'PUT' : 'DELETE', `/tickets/${encodeURIComponent(id)}/watchers/me`).then((r) => r.items);
export const updateBoard = (id: string, p: { name?: string; archived?: boolean }) => call<Board>('PATCH', path(id), p);
export const updateColumn = (boardId: string, columnId: string, p: { name?: string; stage?: Stage; archived?: boolean }) =>
  call<Board>('PATCH', `${path(boardId)}/columns/${encodeURIComponent(columnId)}`, p);

/** A ticket made on the board, without a chat (POST /api/v1/tickets). */
export interface NewTicket extends TicketPatch {
  subject: string;
  assignee_id?: string;
  column_id?: string;
}
export const createTicket = (t: NewTicket) => call<Ticket>('POST', '/tickets', t);
/** Adds a chat to a ticket. */
export const linkChat = (id: string, conversationId: string) =>
  call<Ticket>('POST', `/tickets/${encodeURIComponent(id)}/links`, { conversation_id: conversationId });
/** Boards in a new order: every board once, archived ones too. */
export const reorderBoards = (ids: string[]) => call<{ items: Board[] }>('POST', '/boards/order', { ids });
/** A board's columns in a new order: every column once, archived ones too. */
export const reorderColumns = (boardId: string, ids: string[]) => call<Board>('POST', `${path(boardId)}/columns/order`, { ids });
export const listAllBoards = () => call<{ items: Board[] }>('GET', '/boards?archived=true').then((r) => r.items);
