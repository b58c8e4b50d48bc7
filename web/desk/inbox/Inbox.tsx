// The agent's inbox: mentions, chats and tickets handed over, replies on
// its tickets, webhooks the server disabled (docs/protocol.md, Comments
// and the inbox). A chunk of its own, loaded when the bell is first opened.
import { useEffect, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import type { InboxItem } from '../../shared/protocol';
import { go, INBOX_FILTERS, type InboxFilter } from '../router';
import { plain } from '../comments';
import { inboxTitle } from '../state';
import type { DeskStore } from '../store';
import { listInbox, markInbox } from './api';
import './inbox.css';

const LABEL: Record<InboxFilter, string> = { all: 'All', unread: 'Unread', archived: 'Archived' };
const EMPTY: Record<InboxFilter, string> = {
  all: 'Nothing here. Mentions in comments, and chats or tickets handed to you, show up here.',
  unread: 'All read.',
  archived: 'Nothing archived.',
};

/**
 * A webhook the server disabled (it failed for a day): no chat or ticket,
 * its data is { webhook_id, url } and its place is Settings → Webhooks.
 * Named here, not in state.ts's inboxTitle: that is the live desk's first
 * load, and such an item is never a notice (it has no chat).
 */
const WEBHOOK_DISABLED = 'webhook_disabled';
const title = (it: InboxItem) => (it.kind === WEBHOOK_DISABLED ? 'A webhook was disabled' : inboxTitle(it));

/** What an item is about: the chat's visitor, when the desk holds the chat. */
function about(store: DeskStore, it: InboxItem): string {
  if (it.kind === WEBHOOK_DISABLED) return 'Webhook';
  const c = it.conversation_id ? store.conversations.value.get(it.conversation_id) : undefined;
  const what = it.ticket_id ? 'Ticket' : 'Chat';
  return c ? `${what} with ${store.displayName(c.visitor_id)}` : what;
}

/** Whether an item belongs in a filter's list. */
function fits(it: InboxItem, filter: InboxFilter): boolean {
  if (filter === 'archived') return Boolean(it.archived_at);
  return !it.archived_at && (filter === 'all' || !it.read_at);
}

export function Inbox({ store, filter }: { store: DeskStore; filter: InboxFilter }) {
  const [items, setItems] = useState<InboxItem[]>([]);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const now = store.now.value;

  // The page, again after each welcome (what came while the desk was away).
  useEffect(() => {
    setLoaded(false);
    setPicked(new Set());
    listInbox(filter)
      .then((p) => {
        setItems(p.items);
        setNext(p.next_before);
        store.inboxUnread.value = p.unread;
        setError('');
      })
      .catch(() => setError('The inbox cannot be loaded. It is tried again when the desk reconnects.'))
      .finally(() => setLoaded(true));
  }, [filter, store.inboxEpoch.value]);

  // Live items: each replaces the one with its id, new ones on top.
  const live = store.inboxLive.value;
  useEffect(() => {
    if (live.size === 0) return;
    setItems((held) => {
      const byId = new Map(held.map((it) => [it.id, it]));
      for (const it of live.values()) byId.set(it.id, it);
      return [...byId.values()].filter((it) => fits(it, filter)).sort((a, b) => b.seq - a.seq);
    });
  }, [live, filter]);

  const apply = (changed: InboxItem[], unread: number) => {
    const byId = new Map(changed.map((it) => [it.id, it]));
    setItems((held) => held.map((it) => byId.get(it.id) ?? it).filter((it) => fits(it, filter)));
    store.inboxUnread.value = unread;
  };
  const mark = (ids: string[], change: { read?: boolean; archived?: boolean }) => {
    if (ids.length === 0) return;
    markInbox(ids, change)
      .then((p) => {
        apply(p.items, p.unread);
        setPicked(new Set());
        setError('');
      })
      .catch(() => setError('That did not work. Try again.'));
  };
  const openItem = (it: InboxItem) => {
    if (!it.read_at) mark([it.id], { read: true });
    if (it.kind === WEBHOOK_DISABLED) {
      // Its delivery log, when the item names it (it shows what failed).
      const id = it.data?.webhook_id;
      return go({ area: 'admin', page: 'webhooks', id: typeof id === 'string' ? id : '' });
    }
    if (!it.conversation_id) {
      // A ticket with no chat yet (made on a board): its place is the boards.
      if (it.ticket_id) go({ area: 'boards', id: '' });
      return;
    }
    go({ area: 'live' });
    store.open(it.conversation_id);
  };
  const more = () => {
    if (!next) return;
    listInbox(filter, next)
      .then((p) => {
        setItems((held) => [...held, ...p.items.filter((it) => !held.some((h) => h.id === it.id))]);
        setNext(p.next_before);
      })
      .catch(() => setError('Older items cannot be loaded. Try again.'));
  };
  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  };
  const ids = [...picked];

  return (
    <main class="inbox" aria-labelledby="inbox-title">
      <header class="inbox-head">
        <h1 id="inbox-title">Inbox</h1>
        <nav class="tabs" aria-label="Inbox filters">
          {INBOX_FILTERS.map((f) => (
            <a key={f} href={`#/inbox/${f}`} class={f === filter ? 'tab on' : 'tab'} aria-current={f === filter ? 'page' : undefined}>
              {LABEL[f]}
              {f === 'unread' && store.inboxUnread.value > 0 && <span class="count">{store.inboxUnread.value}</span>}
            </a>
          ))}
        </nav>
        <div class="inbox-actions" role="toolbar" aria-label="Selected items">
          <button type="button" class="btn secondary small" disabled={ids.length === 0} onClick={() => mark(ids, { read: true })}>
            Mark read
          </button>
          <button type="button" class="btn secondary small" disabled={ids.length === 0} onClick={() => mark(ids, { read: false })}>
            Mark unread
          </button>
          <button type="button" class="btn secondary small" disabled={ids.length === 0} onClick={() => mark(ids, { archived: filter !== 'archived' })}>
            {filter === 'archived' ? 'Move to inbox' : 'Archive'}
          </button>
        </div>
      </header>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {loaded && items.length === 0 && !error && <p class="empty-state small">{EMPTY[filter]}</p>}
      <ul class="inbox-list" aria-label={`${LABEL[filter]} items`}>
        {items.map((it) => (
          <li key={it.id} class={it.read_at ? 'inbox-item' : 'inbox-item unread'}>
            <input type="checkbox" aria-label={`Select: ${title(it)}`} checked={picked.has(it.id)} onChange={(e) => toggle(it.id, e.currentTarget.checked)} />
            <button type="button" class="inbox-open" onClick={() => openItem(it)}>
              <span class="inbox-title">
                {!it.read_at && <span class="dot" aria-label="Unread" />}
                {title(it)}
              </span>
              <span class="inbox-summary">
                {about(store, it)}
                {it.summary && ` · ${plain(it.summary)}`}
              </span>
              <span class="inbox-when muted">{since(it.updated_at, now)}</span>
            </button>
            <span class="inbox-row-actions">
              <button type="button" class="link" onClick={() => mark([it.id], { read: !it.read_at })}>
                {it.read_at ? 'Mark unread' : 'Mark read'}
              </button>
              <button type="button" class="link" onClick={() => mark([it.id], { archived: !it.archived_at })}>
                {it.archived_at ? 'Move to inbox' : 'Archive'}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="btn secondary" onClick={more}>
          Older items
        </button>
      )}
    </main>
  );
}
