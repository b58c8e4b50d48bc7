// The ticket queues' REST calls (docs/api.md, Tickets).
import type { Conversation, Ticket } from '../../shared/protocol';
import { call } from '../api';
import type { TicketQueue } from '../router';

export type { Ticket };

export interface TicketPage {
  items: Ticket[];
  /** How many open unassigned tickets this agent may see. */
  unassigned: number;
}

export function listTickets(
  queue: TicketQueue,
  opts: { q?: string; closedByMe?: boolean; archived?: boolean; before?: string } = {},
): Promise<TicketPage> {
  const p = new URLSearchParams({ queue, limit: '50' });
  if (opts.q) p.set('q', opts.q);
  if (opts.closedByMe) p.set('closed_by_me', 'true');
  if (opts.archived) p.set('archived', 'true');
  if (opts.before) p.set('before_id', opts.before);
  return call<TicketPage>('GET', `/tickets?${p}`);
}

const path = (id: string, action: string) => `/tickets/${encodeURIComponent(id)}/${action}`;
export const acceptTicket = (id: string) => call<Ticket>('POST', path(id, 'accept'));
export const quickAccept = (count: number) => call<{ items: Ticket[] }>('POST', '/tickets/accept', { count }).then((r) => r.items);
export const closeTicket = (id: string) => call<Ticket>('POST', path(id, 'close'));
/** A supervisor moves a ticket to an agent, or back to the unassigned queue (''). */
export const assignTicket = (id: string, agentId: string) => call<Ticket>('POST', path(id, 'assign'), agentId ? { agent_id: agentId } : {});
export const startTicketChat = (id: string) => call<Conversation>('POST', path(id, 'start-chat'));

/** Whether the workspace has a mail server (answers then also go by e-mail). */
export const mailConfigured = () => call<{ configured: boolean }>('GET', '/workspace/mail').then((r) => r.configured);
