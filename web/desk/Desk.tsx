import { useSignalEffect } from '@preact/signals';
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getMe, listAgents, listDepartments, listSites, type Me } from './api';
import { ConversationPane } from './ConversationPane';
import { DetailsPanel } from './DetailsPanel';
import { focusSoon, QUEUE } from './focus';
import { type AdminPage, type InboxFilter, type Route, route, type TicketQueue } from './router';
import { Sidebar } from './Sidebar';
import { DeskStore } from './store';
import { Toasts } from './Toasts';
import { TopBar } from './TopBar';

/**
 * The signed-in desk: a skip link, top bar, sidebar, conversation, details.
 * Just after signing in (signedIn), the focus goes to the queue.
 */
export function Desk({ me, signedIn, onSignedOut }: { me: Me; signedIn?: boolean; onSignedOut: () => void }) {
  const store = useMemo(() => new DeskStore(me.agent.id, me.permissions), [me.agent.id]);
  const area = route.value.area === 'live' ? null : AREAS[route.value.area];

  useEffect(() => {
    store.start();
    listSites()
      .then((s) => (store.sites.value = s))
      .catch(() => undefined);
    listDepartments()
      .then((d) => (store.departments.value = d))
      .catch(() => undefined);
    listAgents()
      .then((a) => (store.agentDirectory.value = new Map(a.map((x) => [x.id, x.name]))))
      .catch(() => undefined);
    return () => store.session.stop();
  }, [store]);

  // Just signed in: once the welcome has filled the queue, focus its first chat.
  const focusQueue = useRef(signedIn);
  useSignalEffect(() => {
    if (!store.me.value || !focusQueue.current) return;
    focusQueue.current = false;
    focusSoon(...QUEUE, '.skip');
  });

  useSignalEffect(() => {
    const n = store.attention.value;
    document.title = n > 0 ? `(${n}) Live Desk` : 'Live Desk';
  });

  useSignalEffect(() => {
    if (route.value.area === 'live') store.backOnScreen();
  });

  useSignalEffect(() => {
    if (store.conn.value === 'failed' && store.closeCode.value === 4401) onSignedOut();
  });

  // A browser cannot see why an upgrade failed: while reconnecting, ask the
  // API whether the session is still valid, and sign out when it is not.
  useSignalEffect(() => {
    if (store.conn.value !== 'reconnecting') return;
    const t = setTimeout(() => {
      getMe().catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) onSignedOut();
      });
    }, 3000);
    return () => clearTimeout(t);
  });

  return (
    <div class="desk">
      <a
        class="skip"
        href="#queue"
        onClick={(e) => {
          e.preventDefault();
          focusSoon(...(area ? [area.focus] : QUEUE));
        }}
      >
        Skip to {area ? area.what : 'conversations'}
      </a>
      <TopBar store={store} me={me} onSignedOut={onSignedOut} />
      {area ? (
        <Area key={route.value.area} what={area.what} load={area.load} show={(View) => <View store={store} me={me} r={route.value} />} />
      ) : (
        <>
          <Sidebar store={store} />
          <ConversationPane store={store} />
          <DetailsPanel store={store} />
        </>
      )}
      <Toasts store={store} />
    </div>
  );
}

/**
 * Area shows a part of the desk that is its own chunk, loaded on first use
 * (the live path never downloads it): a line while it loads, and a way out
 * when it cannot be loaded.
 */
function Area<M>({ load, what, show }: { load: () => Promise<M>; what: string; show: (m: M) => JSX.Element }) {
  const [mod, setMod] = useState<M | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    load().then((m) => setMod(() => m), () => setFailed(true)); // m may be a component: not an updater
  }, []);
  if (failed) return <p class="boot admin-loading">The {what} cannot be loaded. Reload the page to try again.</p>;
  if (!mod) return <p class="boot admin-loading">Loading {what}…</p>;
  return show(mod);
}

/** What an area's view gets: the route says which queue, page or id. */
type AreaProps = { store: DeskStore; me: Me; r: Route };
type AreaView = (p: AreaProps) => JSX.Element;

/**
 * The areas beside the live desk, each its own chunk: the name the skip
 * link and the loading line use, where the skip link goes, and the view.
 */
const AREAS: Record<Exclude<Route['area'], 'live'>, { what: string; focus: string; load: () => Promise<AreaView> }> = {
  tickets: { what: 'tickets', focus: '.tickets', load: () => import('./tickets/Tickets').then((m) => (p) => <m.Tickets store={p.store} queue={(p.r as { queue: TicketQueue }).queue} />) },
  inbox: { what: 'inbox', focus: '.inbox', load: () => import('./inbox/Inbox').then((m) => (p) => <m.Inbox store={p.store} filter={(p.r as { filter: InboxFilter }).filter} />) },
  contacts: { what: 'contacts', focus: '.contacts', load: () => import('./contacts/Contacts').then((m) => (p) => <m.Contacts store={p.store} id={(p.r as { id: string }).id} />) },
  boards: { what: 'boards', focus: '.boards', load: () => import('./boards/Boards').then((m) => (p) => <m.Boards store={p.store} me={p.me} id={(p.r as { id: string }).id} />) },
  broadcasts: { what: 'broadcasts', focus: '.broadcasts', load: () => import('./broadcasts/Broadcasts').then((m) => (p) => <m.Broadcasts store={p.store} id={(p.r as { id: string }).id} />) },
  analytics: { what: 'analytics', focus: '.analytics', load: () => import('./analytics/Analytics').then((m) => (p) => <m.Analytics store={p.store} />) },
  admin: {
    what: 'settings',
    focus: '.admin-page',
    load: () => import('./admin/Admin').then((m) => (p) => <m.Admin store={p.store} me={p.me} page={(p.r as { page: AdminPage }).page} id={(p.r as { id: string }).id} />),
  },
};
