import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADMIN_PAGES, go, holdRoute, href, parse, route } from './router';

describe('router', () => {
  it('reads the live desk from an empty or unknown hash', () => {
    expect(parse('')).toEqual({ area: 'live' });
    expect(parse('#/')).toEqual({ area: 'live' });
    expect(parse('#/admin/nonsense')).toEqual({ area: 'live' });
    expect(parse('#conversation')).toEqual({ area: 'live' });
  });
  it('reads admin pages and an item id', () => {
    expect(parse('#/admin')).toEqual({ area: 'admin', page: 'preferences', id: '' });
    expect(parse('#/admin/sites')).toEqual({ area: 'admin', page: 'sites', id: '' });
    expect(parse('#/admin/sites/s%201')).toEqual({ area: 'admin', page: 'sites', id: 's 1' });
    expect(parse('#/admin/quick')).toEqual({ area: 'admin', page: 'quick', id: '' });
    expect(parse('#/admin/keys')).toEqual({ area: 'admin', page: 'keys', id: '' });
    expect(parse('#/admin/keys/')).toEqual({ area: 'admin', page: 'keys', id: '' });
    expect(parse('#/admin/apikeys')).toEqual({ area: 'live' });
    expect(parse('#/admin/webhooks')).toEqual({ area: 'admin', page: 'webhooks', id: '' });
    expect(parse('#/admin/webhooks/wh%201')).toEqual({ area: 'admin', page: 'webhooks', id: 'wh 1' });
    expect(parse('#/admin/web-hooks')).toEqual({ area: 'live' });
    expect(parse('#preferences')).toEqual({ area: 'admin', page: 'preferences', id: '' });
  });
  it('reads the ticket queues', () => {
    expect(parse('#/tickets')).toEqual({ area: 'tickets', queue: 'unassigned' });
    expect(parse('#/tickets/closed')).toEqual({ area: 'tickets', queue: 'closed' });
    expect(parse('#/tickets/mine')).toEqual({ area: 'live' });
    expect(parse('#/inbox')).toEqual({ area: 'inbox', filter: 'all' });
    expect(parse('#/inbox/archived')).toEqual({ area: 'inbox', filter: 'archived' });
    expect(parse('#/inbox/spam')).toEqual({ area: 'live' });
    expect(parse('#/contacts')).toEqual({ area: 'contacts', id: '' });
    expect(parse('#/contacts/c%201')).toEqual({ area: 'contacts', id: 'c 1' });
    expect(parse('#/boards')).toEqual({ area: 'boards', id: '' });
    expect(parse('#/boards/b1')).toEqual({ area: 'boards', id: 'b1' });
    expect(parse('#/broadcasts')).toEqual({ area: 'broadcasts', id: '' });
    expect(parse('#/broadcasts/')).toEqual({ area: 'broadcasts', id: '' });
    expect(parse('#/broadcasts/new')).toEqual({ area: 'broadcasts', id: 'new' });
    expect(parse('#/broadcasts/b%201')).toEqual({ area: 'broadcasts', id: 'b 1' });
    expect(parse('#/broadcasts/b1/x')).toEqual({ area: 'live' });
    expect(parse('#/analytics')).toEqual({ area: 'analytics' });
    expect(parse('#/analytics/x')).toEqual({ area: 'live' });
  });
  it('writes what it reads', () => {
    expect(href({ area: 'broadcasts', id: 'a/b' })).toBe('#/broadcasts/a%2Fb');
    for (const h of ['#/', '#/admin/team', '#/admin/keys', '#/admin/webhooks', '#/admin/webhooks/wh1', '#/admin/sites/abc', '#/tickets/assigned', '#/inbox/unread', '#/contacts', '#/contacts/abc', '#/boards', '#/boards/b1', '#/broadcasts', '#/broadcasts/new', '#/broadcasts/b1', '#/analytics']) expect(href(parse(h))).toBe(h);
  });
});

describe('the settings pages', () => {
  it('lists API keys after quick responses, webhooks after API keys, and WhatsApp last', () => {
    expect(ADMIN_PAGES.slice(-4)).toEqual(['quick', 'keys', 'webhooks', 'whatsapp']);
    expect(href({ area: 'admin', page: 'keys', id: '' })).toBe('#/admin/keys');
    expect(href({ area: 'admin', page: 'webhooks', id: 'wh1' })).toBe('#/admin/webhooks/wh1');
    expect(parse('#/admin/whatsapp')).toEqual({ area: 'admin', page: 'whatsapp', id: '' });
  });
});

describe('holding the route', () => {
  afterEach(() => {
    holdRoute(null);
    vi.unstubAllGlobals();
  });
  it('asks a screen with unsaved work before the route moves, and stays when it says so', () => {
    vi.stubGlobal('location', { hash: '' });
    go({ area: 'broadcasts', id: 'b1' });
    const asked: string[] = [];
    let stay = true;
    holdRoute((to) => {
      asked.push(href(to));
      return stay;
    });
    go({ area: 'live' });
    expect(route.value).toEqual({ area: 'broadcasts', id: 'b1' });
    expect(location.hash).toBe('#/broadcasts/b1');
    go({ area: 'broadcasts', id: 'b1' }); // where it is already: not asked
    expect(asked).toEqual(['#/']);
    stay = false;
    go({ area: 'live' });
    expect(route.value).toEqual({ area: 'live' });
    expect(location.hash).toBe('#/');
  });
});
