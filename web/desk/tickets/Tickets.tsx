// The ticket queues (issue 12): chats that found no agent wait here until
// an agent accepts them. Unassigned (newest first, live), Assigned (mine)
// and Closed. It is its own chunk, loaded when first opened (Desk.tsx).
import { useSignalEffect } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import { ApiError } from '../api';
import { go, href, type TicketQueue } from '../router';
import type { DeskStore } from '../store';
import { MANAGE_ANY } from '../permissions';
import { acceptTicket, assignTicket, closeTicket, listTickets, mailConfigured, quickAccept, startTicketChat, type Ticket } from './api';
import './tickets.css';

const QUEUES: { queue: TicketQueue; label: string }[] = [
  { queue: 'unassigned', label: 'Unassigned' },
  { queue: 'assigned', label: 'Assigned to me' },
  { queue: 'closed', label: 'Closed' },
];

/** The quick-accept sizes; each shows only when that many unassigned tickets exist. */
const QUICK = [3, 5, 10];
/** The most one quick accept takes (the server's limit). */
const MAX_QUICK = 50;

export function Tickets({ store, queue }: { store: DeskStore; queue: TicketQueue }) {
  const [items, setItems] = useState<Ticket[] | null>(null);
  const [unassigned, setUnassigned] = useState(0);
  const [search, setSearch] = useState('');
  const [closedByMe, setClosedByMe] = useState(false);
  const [archived, setArchived] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [more, setMore] = useState(false);
  const [count, setCount] = useState(1);
  const [mail, setMail] = useState<boolean | null>(null);
  // Supervisors move tickets between agents; agents cannot transfer them.
  const supervisor = store.can(MANAGE_ANY);
  const agents = [...store.agentDirectory.value].sort((a, b) => a[1].localeCompare(b[1]));
  useEffect(() => {
    mailConfigured().then(setMail, () => setMail(null));
  }, []);
  const seq = useRef(0);

  const load = (before?: string) => {
    const n = ++seq.current;
    listTickets(queue, { q: search.trim(), closedByMe, archived, before })
      .then((page) => {
        if (n !== seq.current) return; // a newer load is on its way
        setItems((cur) => (before && cur ? [...cur, ...page.items] : page.items));
        setUnassigned(page.unassigned);
        setMore(page.items.length === 50);
        setError('');
      })
      .catch((err: unknown) => n === seq.current && setError(message(err)));
  };

  // Timers outlive the render that set them: they call the latest load
  // (this queue's, this search's), never the one of their own render.
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    setItems(null);
    load();
  }, [queue, closedByMe, archived]);
  const typed = useRef(false);
  useEffect(() => {
    if (!typed.current) {
      typed.current = true; // the mount's load is the queue effect's
      return;
    }
    const t = setTimeout(() => latest.current(), 250);
    return () => clearTimeout(t);
  }, [search]);
  // Every ticket event reloads the page shown: new tickets appear at the
  // top, taken ones leave, without a refresh.
  const changes = useRef(store.ticketChanges.peek());
  useSignalEffect(() => {
    const n = store.ticketChanges.value;
    if (n === changes.current) return;
    changes.current = n;
    const t = setTimeout(() => latest.current(), 150);
    return () => clearTimeout(t);
  });

  const act = async (what: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await what();
      setError('');
      load();
    } catch (err) {
      setError(message(err));
      load();
    } finally {
      setBusy(false);
    }
  };
  const startChat = async (t: Ticket) => {
    setBusy(true);
    try {
      const c = await startTicketChat(t.id);
      go({ area: 'live' });
      store.open(c.id);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="tickets" aria-labelledby="tickets-title">
      <button type="button" class="link back" onClick={() => go({ area: 'live' })}>
        ← Back to conversations
      </button>
      <header class="tickets-head">
        <h1 id="tickets-title">Tickets</h1>
        <nav aria-label="Ticket queues" class="tabs">
          {QUEUES.map((q) => (
            <a key={q.queue} href={href({ area: 'tickets', queue: q.queue })} class={q.queue === queue ? 'tab on' : 'tab'}
              aria-current={q.queue === queue ? 'page' : undefined}>
              {q.label}
              {q.queue === 'unassigned' && unassigned > 0 && <span class="count">{unassigned}</span>}
            </a>
          ))}
        </nav>
      </header>
      <div class="tickets-tools">
        <input type="search" placeholder="Search name, e-mail, message" aria-label="Search tickets" value={search}
          onInput={(e) => setSearch(e.currentTarget.value)} />
        {queue === 'unassigned' && (
          <div class="quick" role="group" aria-label="Quick accept the oldest">
            {QUICK.filter((n) => unassigned >= n).map((n) => (
              <button key={n} type="button" class="btn" disabled={busy} onClick={() => act(() => quickAccept(n))}>
                Accept {n}
              </button>
            ))}
            {unassigned > 0 && (
              <form
                class="accept-n"
                onSubmit={(e) => {
                  e.preventDefault();
                  const n = Math.min(Math.max(1, Math.trunc(count)), MAX_QUICK);
                  void act(() => quickAccept(n));
                }}
              >
                <label>
                  <span class="sr-only">How many of the oldest to accept</span>
                  <input type="number" min={1} max={MAX_QUICK} value={count} onInput={(e) => setCount(Number(e.currentTarget.value))} />
                </label>
                <button type="submit" class="btn" disabled={busy || !(count >= 1)}>
                  Accept oldest
                </button>
              </form>
            )}
          </div>
        )}
        {queue === 'closed' && (
          <>
            <label class="check">
              <input type="checkbox" checked={closedByMe} onChange={(e) => setClosedByMe(e.currentTarget.checked)} /> Closed by me
            </label>
            <label class="check">
              <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} /> Archived (closed over 90 days
              ago)
            </label>
          </>
        )}
      </div>
      {mail === false && (
        <p class="notice" role="status">
          No mail server is set: answers reach visitors in the widget only, the next time they open it.{' '}
          <a href={href({ area: 'admin', page: 'mail', id: '' })}>Set one up</a>
        </p>
      )}
      {error && <p class="notice error" role="alert">{error}</p>}
      {items === null ? (
        <p class="boot">Loading tickets…</p>
      ) : items.length === 0 ? (
        <p class="empty">{EMPTY[queue]}</p>
      ) : (
        <ul class="ticket-list">
          {items.map((t) => (
            <li key={t.id} class="ticket">
              <div class="ticket-main">
                <span class="who">{t.visitor_name || (t.conversation_id ? 'Visitor' : 'No requester')}{t.visitor_email && <span class="email"> · {t.visitor_email}</span>}</span>
                <span class="preview">{t.subject || t.last_message || '(no message)'}</span>
                <span class="meta">
                  {t.reason === 'out_of_hours' ? 'Out of hours' : t.reason === 'agent' ? (t.conversation_id ? 'Made by an agent' : 'Made on a board') : 'No agent'} · {since(t.created_at)} ago
                  {queue === 'closed' && t.closed_at && <> · closed {since(t.closed_at)} ago</>}
                  {t.mail_state && <span class={`mail ${t.mail_state}`}> · {MAIL_TEXT[t.mail_state]}</span>}
                </span>
                {t.mail_state === 'failed' && t.mail_error && <span class="mail-error">{t.mail_error}</span>}
              </div>
              <div class="ticket-actions">
                {supervisor && queue !== 'closed' && (
                  <label>
                    <span class="sr-only">Assign the ticket of {t.visitor_name || 'the visitor'} to</span>
                    <select
                      value={t.assignee_id ?? ''}
                      disabled={busy}
                      onChange={(e) => {
                        const to = e.currentTarget.value;
                        void act(() => assignTicket(t.id, to));
                      }}
                    >
                      <option value="">Unassigned</option>
                      {agents.map(([id, name]) => (
                        <option key={id} value={id}>
                          {name}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                {queue === 'unassigned' && (
                  <button type="button" class="btn" disabled={busy} onClick={() => act(() => acceptTicket(t.id))}>
                    Accept
                  </button>
                )}
                {queue === 'assigned' && (
                  <>
                    {t.conversation_id ? (
                      <button type="button" class="btn primary" disabled={busy} onClick={() => void startChat(t)}>
                        Start Chat
                      </button>
                    ) : (
                      <a class="btn" href={href({ area: 'boards', id: '' })} title="Made on a board: link a chat to it there">
                        On the board
                      </a>
                    )}
                    <button type="button" class="btn" disabled={busy} onClick={() => act(() => closeTicket(t.id))}>
                      Close
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {more && items && (
        <button type="button" class="btn more" onClick={() => load(items[items.length - 1]?.id)}>
          Show older
        </button>
      )}
    </main>
  );
}

const MAIL_TEXT: Record<NonNullable<Ticket['mail_state']>, string> = {
  queued: 'e-mail waiting to go',
  sent: 'e-mail sent',
  failed: 'e-mail failed',
  skipped: 'read in the chat, not e-mailed',
};

const EMPTY: Record<TicketQueue, string> = {
  unassigned: 'No ticket is waiting. Chats that find no agent, or arrive out of hours, wait here.',
  assigned: 'You have no tickets. Accept one from Unassigned.',
  closed: 'No closed tickets yet.',
};

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong. Try again.';
}
