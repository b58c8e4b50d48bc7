import { useSignalEffect } from '@preact/signals';
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getMe, listAgents, listDepartments, listSites, type Me } from './api';
import { ConversationPane } from './ConversationPane';
import { DetailsPanel } from './DetailsPanel';
import { focusSoon, QUEUE } from './focus';
import { type AdminPage, type InboxFilter, route, type TicketQueue } from './router';
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
  const live = route.value.area === 'live';

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
          focusSoon(...(live ? QUEUE : route.value.area === 'tickets' ? ['.tickets'] : route.value.area === 'inbox' ? ['.inbox'] : route.value.area === 'contacts' ? ['.contacts'] : ['.admin-page']));
        }}
      >
        {live ? 'Skip to conversations' : route.value.area === 'tickets' ? 'Skip to tickets' : route.value.area === 'inbox' ? 'Skip to the inbox' : route.value.area === 'contacts' ? 'Skip to contacts' : 'Skip to settings'}
      </a>
      <TopBar store={store} me={me} onSignedOut={onSignedOut} />
      {route.value.area === 'admin' ? (
        <AdminArea store={store} me={me} page={route.value.page} id={route.value.id} />
      ) : route.value.area === 'tickets' ? (
        <TicketsArea store={store} queue={route.value.queue} />
      ) : route.value.area === 'inbox' ? (
        <InboxArea store={store} filter={route.value.filter} />
      ) : route.value.area === 'contacts' ? (
        <ContactsArea store={store} id={route.value.id} />
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
    load().then(setMod, () => setFailed(true));
  }, []);
  if (failed) return <p class="boot admin-loading">The {what} cannot be loaded. Reload the page to try again.</p>;
  if (!mod) return <p class="boot admin-loading">Loading {what}…</p>;
  return show(mod);
}

/** TicketsArea: the ticket queues (their own chunk). */
function TicketsArea(props: { store: DeskStore; queue: TicketQueue }) {
  return <Area load={() => import('./tickets/Tickets')} what="tickets" show={(m) => <m.Tickets {...props} />} />;
}

/** InboxArea: the agent's inbox (its own chunk). */
function InboxArea(props: { store: DeskStore; filter: InboxFilter }) {
  return <Area load={() => import('./inbox/Inbox')} what="inbox" show={(m) => <m.Inbox {...props} />} />;
}

/** ContactsArea: the contacts (their own chunk). */
function ContactsArea(props: { store: DeskStore; id: string }) {
  return <Area load={() => import('./contacts/Contacts')} what="contacts" show={(m) => <m.Contacts {...props} />} />;
}

/** AdminArea: the settings area (its own chunk). */
function AdminArea(props: { store: DeskStore; me: Me; page: AdminPage; id: string }) {
  return <Area load={() => import('./admin/Admin')} what="settings" show={(m) => <m.Admin {...props} />} />;
}
