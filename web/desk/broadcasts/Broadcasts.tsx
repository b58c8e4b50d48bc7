// Broadcasts: banners on a site's pages and chat messages in its widget,
// written once and shown to the visitors an audience picks (by site, page,
// new or returning, signed in, contact fields, language), as often as
// chosen, between a start and an end. The list, and one broadcast (Editor).
// Changes made on other desks arrive as socket frames (store.ts,
// broadcastListeners). Owners, admins and agents granted broadcasts.manage;
// its own chunk (Desk.tsx).
import { useEffect, useRef, useState } from 'preact/hooks';
import { KINDS, STATS, STATUSES } from '../analytics/BroadcastFigures';
import { ApiError } from '../api';
import { go, href } from '../router';
import type { DeskStore } from '../store';
import { type Broadcast, type BroadcastStatus, listBroadcasts } from './api';
import { upsert } from './draft';
import { Editor, StatusPill } from './Editor';
import './broadcasts.css';

export function Broadcasts({ store, id }: { store: DeskStore; id: string }) {
  // No key: a new draft, once saved, takes its id without being made again.
  return id ? <Editor store={store} id={id} /> : <List store={store} />;
}

const FILTERS: { value: BroadcastStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  ...(Object.entries(STATUSES) as [BroadcastStatus, string][]).map(([value, label]) => ({ value, label })),
];

function List({ store }: { store: DeskStore }) {
  const [status, setStatus] = useState<BroadcastStatus | ''>('');
  const [items, setItems] = useState<Broadcast[] | null>(null);
  const [error, setError] = useState('');
  // Each welcome of the socket (store.inboxEpoch counts them): frames missed
  // while it was down are not sent again, so after a reconnect the list is
  // read again and statuses changed meanwhile are put right.
  const welcomes = store.inboxEpoch.value;

  useEffect(() => {
    let live = true; // a slower answer for another filter must not replace this one's
    setError('');
    listBroadcasts(status).then(
      (l) => live && setItems(l),
      (err: unknown) => live && setError(err instanceof ApiError ? err.message : 'Live Desk cannot be reached. Try again.'),
    );
    return () => {
      live = false;
    };
  }, [status, welcomes]);

  // Changes made elsewhere take their place in the list (or leave it).
  const shownStatus = useRef(status);
  shownStatus.current = status;
  useEffect(() => {
    const on: Parameters<typeof store.broadcastListeners.add>[0] = (e) =>
      setItems((cur) => cur && (e.type === 'broadcast' ? upsert(cur, e.broadcast, shownStatus.current) : cur.filter((x) => x.id !== e.broadcast_id)));
    store.broadcastListeners.add(on);
    return () => {
      store.broadcastListeners.delete(on);
    };
  }, []);

  return (
    <main class="broadcasts" tabIndex={-1} aria-labelledby="bc-list-title">
      <header class="bc-head">
        <h1 id="bc-list-title">Broadcasts</h1>
        <div class="bc-filter" role="group" aria-label="Status">
          {FILTERS.map((f) => (
            <button key={f.value} type="button" class={status === f.value ? 'tab on' : 'tab'} aria-pressed={status === f.value} onClick={() => setStatus(f.value)}>
              {f.label}
            </button>
          ))}
        </div>
        <button type="button" class="btn primary small" onClick={() => go({ area: 'broadcasts', id: 'new' })}>
          New broadcast
        </button>
      </header>
      <p class="muted bc-intro">Banners on your sites' pages and messages in the chat widget, for the visitors you pick. Counts are since each began.</p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!items ? (
        !error && <p class="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p class="empty-state small">{status ? `No ${STATUSES[status].toLowerCase()} broadcast.` : 'No broadcast yet. Make one with “New broadcast”.'}</p>
      ) : (
        <table class="bc-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              {STATS.map((s) => (
                <th key={s.key} scope="col" class="num" title={s.help}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((b) => (
              <tr key={b.id}>
                <th scope="row">
                  <a href={href({ area: 'broadcasts', id: b.id })}>{b.name}</a>
                </th>
                <td>{b.kind === 'banner' ? `${KINDS.banner}, ${b.placement === 'widget' ? 'in the widget' : b.placement ?? 'top'}` : KINDS.message}</td>
                <td>
                  <StatusPill status={b.status} />
                </td>
                {STATS.map((s) => (
                  <td key={s.key} class="num">
                    {b.stats?.[s.key] ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
