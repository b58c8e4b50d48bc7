// The contacts' REST calls (docs/api.md, Contacts).
import type { Contact, Conversation, Message, PageView, Ticket, Visitor } from '../../shared/protocol';
import { call } from '../api';

export type { Contact, ContactField, FieldType } from '../../shared/protocol';

export interface ContactPage {
  contact: Contact;
  visitors: Visitor[];
  conversations: Conversation[];
  tickets: Ticket[];
  /** The agents' notes in the contact's conversations, as they are now, newest first. */
  comments: Message[];
  pages: PageView[];
}

export type ContactSort = 'name' | 'created' | 'updated';

export function listContacts(q: string, sort: ContactSort, after?: string): Promise<{ items: Contact[]; next_after?: string }> {
  const p = new URLSearchParams({ limit: '50', sort });
  if (q) p.set('q', q);
  if (after) p.set('after', after);
  return call('GET', `/contacts?${p}`);
}

const path = (id: string) => `/contacts/${encodeURIComponent(id)}`;
export type ContactInput = Partial<Pick<Contact, 'external_id' | 'name' | 'email' | 'phone' | 'fields'>>;
export const getContact = (id: string) => call<ContactPage>('GET', path(id));
export const createContact = (c: ContactInput) => call<Contact>('POST', '/contacts', c);
export const updateContact = (id: string, c: ContactInput) => call<Contact>('PATCH', path(id), c);
export const mergeContact = (id: string, fromId: string) => call<Contact>('POST', `${path(id)}/merge`, { from_id: fromId });
export const eraseContact = (id: string) => call<{ conversations: number }>('DELETE', path(id));
/** The export's URL, for a download link (owners and admins). */
export const exportURL = (id: string) => `/api/v1${path(id)}/export`;
