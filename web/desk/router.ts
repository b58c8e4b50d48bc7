// The desk's areas, addressed by the URL's hash so a reload or a shared
// link opens the same screen: '' or '#/' is the live desk, '#/tickets/…'
// the ticket queues, '#/inbox/…' the agent's inbox, '#/contacts/…' the
// contacts, '#/boards/…' the ticket boards, '#/broadcasts/…' the banners
// and messages to visitors ('new': a new draft) and '#/admin/…' the
// settings area (each loaded on demand: the live path never downloads
// them).
import { signal } from '@preact/signals';

export type AdminPage = 'profile' | 'preferences' | 'sites' | 'team' | 'departments' | 'mail' | 'quick' | 'keys' | 'webhooks' | 'whatsapp';
export const ADMIN_PAGES: readonly AdminPage[] = ['profile', 'preferences', 'sites', 'team', 'departments', 'mail', 'quick', 'keys', 'webhooks', 'whatsapp'];

export type TicketQueue = 'unassigned' | 'assigned' | 'closed';
export const TICKET_QUEUES: readonly TicketQueue[] = ['unassigned', 'assigned', 'closed'];

export type InboxFilter = 'all' | 'unread' | 'archived';
export const INBOX_FILTERS: readonly InboxFilter[] = ['all', 'unread', 'archived'];

export type Route =
  | { area: 'live' }
  | { area: 'admin'; page: AdminPage; id: string }
  | { area: 'tickets'; queue: TicketQueue }
  | { area: 'inbox'; filter: InboxFilter }
  | { area: 'contacts'; id: string }
  | { area: 'boards'; id: string }
  | { area: 'broadcasts'; id: string }
  | { area: 'analytics' };

/** parse reads a location hash; anything unknown is the live desk. */
export function parse(hash: string): Route {
  if (hash === '#preferences') return { area: 'admin', page: 'preferences', id: '' }; // links from before the router
  if (/^#\/analytics\/?$/.test(hash)) return { area: 'analytics' };
  const byId = /^#\/(contacts|boards|broadcasts)(?:\/([^/]+))?\/?$/.exec(hash);
  if (byId) return { area: byId[1] as 'contacts' | 'boards' | 'broadcasts', id: byId[2] ? decodeURIComponent(byId[2]) : '' };
  const inbox = /^#\/inbox(?:\/([a-z]+))?\/?$/.exec(hash);
  if (inbox) {
    const filter = (inbox[1] ?? 'all') as InboxFilter;
    return INBOX_FILTERS.includes(filter) ? { area: 'inbox', filter } : { area: 'live' };
  }
  const t = /^#\/tickets(?:\/([a-z]+))?\/?$/.exec(hash);
  if (t) {
    const queue = (t[1] ?? 'unassigned') as TicketQueue;
    return TICKET_QUEUES.includes(queue) ? { area: 'tickets', queue } : { area: 'live' };
  }
  const m = /^#\/admin(?:\/([a-z]+)(?:\/([^/]+))?)?\/?$/.exec(hash);
  if (!m) return { area: 'live' };
  const page = (m[1] ?? 'preferences') as AdminPage;
  if (!ADMIN_PAGES.includes(page)) return { area: 'live' };
  return { area: 'admin', page, id: m[2] ? decodeURIComponent(m[2]) : '' };
}

/** href is the hash of a route. */
export function href(r: Route): string {
  if (r.area === 'live') return '#/';
  if (r.area === 'analytics') return '#/analytics';
  if (r.area === 'tickets') return `#/tickets/${r.queue}`;
  if (r.area === 'inbox') return `#/inbox/${r.filter}`;
  if (r.area !== 'admin') return `#/${r.area}${r.id ? `/${encodeURIComponent(r.id)}` : ''}`; // contacts, boards, broadcasts
  return `#/admin/${r.page}${r.id ? `/${encodeURIComponent(r.id)}` : ''}`;
}

export const route = signal<Route>(typeof location === 'undefined' ? { area: 'live' } : parse(location.hash));

/**
 * A screen holding unsaved work may keep the desk on it: before the route
 * changes (a link, Back, go()) it is asked whether to stay (to: where the
 * desk would go), and true stays. The route itself never moves then, so
 * nothing else sees the screen leave and come back. One screen at a time
 * (null: none).
 */
let stay: ((to: Route) => boolean) | null = null;
export const holdRoute = (f: ((to: Route) => boolean) | null): void => {
  stay = f;
};
const held = (to: Route) => href(to) !== href(route.value) && !!stay?.(to);

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const to = parse(location.hash);
    // Stayed: the address goes back to the screen's, without a step in the history.
    if (held(to)) history.replaceState(history.state, '', href(route.value));
    else route.value = to;
  });
}

/** go shows a route and records it in the history (Back returns). */
export function go(r: Route): void {
  if (held(r)) return;
  const h = href(r);
  if (location.hash !== h) location.hash = h;
  route.value = r;
}
