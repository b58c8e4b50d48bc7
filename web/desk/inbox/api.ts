// The inbox's REST calls (docs/api.md, Inbox).
import type { InboxItem } from '../../shared/protocol';
import { call } from '../api';
import type { InboxFilter } from '../router';

export interface InboxPage {
  items: InboxItem[];
  unread: number;
  /** Ask with before=next_before for older items; absent on the last page. */
  next_before?: number;
}

export function listInbox(filter: InboxFilter, before?: number): Promise<InboxPage> {
  const p = new URLSearchParams({ filter, limit: '50' });
  if (before) p.set('before', String(before));
  return call<InboxPage>('GET', `/inbox?${p}`);
}

/** Marks items read or unread, archived or not; returns those changed and the unread count. */
export const markInbox = (ids: string[], change: { read?: boolean; archived?: boolean }) =>
  call<InboxPage>('POST', '/inbox/mark', { ids, ...change });
