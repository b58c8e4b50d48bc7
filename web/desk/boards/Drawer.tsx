// One ticket beside the board: its fields, edited (PATCH), and its
// history (who made, moved and edited it). Part of the boards chunk.
import { useEffect, useState } from 'preact/hooks';
import { shortTime } from '../../shared/format';
import { ApiError, type Department } from '../api';
import type { Conversation } from '../../shared/protocol';
import {
  linkChat,
  mergeTicket,
  type Priority,
  type Ticket,
  type TicketEvent,
  ticketChats,
  ticketHistory,
  ticketWatchers,
  updateTicket,
  watchTicket,
} from './api';
import { ContactPicker } from './ContactPicker';

export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];

/** The options of a list of values, each its own label; the selected one, if any, chosen. */
export function Options({ values, selected }: { values: readonly string[]; selected?: string }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v} selected={selected === undefined ? undefined : v === selected}>
          {v}
        </option>
      ))}
    </>
  );
}

/** What a history entry says. */
function describe(e: TicketEvent): string {
  if (e.action === 'moved') return `moved it to ${String(e.detail.column ?? e.detail.stage)}`;
  if (e.action === 'made') return e.detail.merged ? 'added a chat to it' : 'made it from a chat';
  if (e.action === 'edited') return `changed ${Object.keys(e.detail).join(', ').replace('contact_id', 'requester').replace(/_/g, ' ')}`;
  if (e.action === 'linked') return 'added a chat to it';
  if (e.action === 'accepted') return 'accepted it';
  if (e.action === 'created') return 'made it on the board';
  if (e.action === 'assigned') return e.detail.assignee_name ? `gave it to ${String(e.detail.assignee_name)}` : 'put it back in the queue';
  if (e.action === 'closed') return 'closed it';
  if (e.action === 'merged') return `merged “${String(e.detail.from_subject ?? 'a duplicate')}” into it`;
  if (e.action === 'merged_into') return `merged it into “${String(e.detail.into_subject ?? 'another ticket')}”`;
  return e.action;
}

/** The ticket's requester, named or changed (a contact), or removed. */
function Requester({ ticket, onError }: { ticket: Ticket; onError: (e: string) => void }) {
  const [picking, setPicking] = useState(false);
  const set = (id: string) =>
    updateTicket(ticket.id, { contact_id: id }).then(
      () => setPicking(false),
      (err: unknown) => onError(err instanceof ApiError ? err.message : 'The requester could not be changed. Try again.'),
    );
  if (picking) return <ContactPicker id={`requester-of-${ticket.id}`} label="Requester" onPick={(c) => void set(c.id)} />;
  return (
    <p class="drawer-requester">
      <button type="button" class="link" onClick={() => setPicking(true)}>
        {ticket.contact_id ? 'Change the requester' : 'Name a requester'}
      </button>
      {ticket.contact_id && (
        <>
          {' · '}
          <button type="button" class="link" onClick={() => void set('')}>
            remove
          </button>
        </>
      )}
    </p>
  );
}

/** An RFC 3339 time as a datetime-local value (local time, minutes). */
const localInput = (iso?: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};

export function Drawer({
  me,
  ticket,
  types,
  departments,
  chats: mine,
  others,
  onClose,
  onOpenChat,
  onOpen,
}: {
  /** The signed-in agent's id (to watch). */
  me: string;
  ticket: Ticket;
  types: string[];
  departments: readonly Department[];
  /** The agent's own chats not in this ticket, each with its visitor's name: what may be linked to it. */
  chats: { id: string; name: string; last_message?: string }[];
  /** The other open tickets on the board: what may merge into this one. */
  others: Ticket[];
  onClose: () => void;
  onOpenChat: (conversationId: string) => void;
  /** Shows another ticket (the one a duplicate was merged into). */
  onOpen: (id: string) => void;
}) {
  const [history, setHistory] = useState<TicketEvent[]>([]);
  const [chats, setChats] = useState<Conversation[]>([]);
  const [watchers, setWatchers] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    ticketHistory(ticket.id).then(setHistory, () => setHistory([]));
    ticketChats(ticket.id).then(setChats, () => setChats([]));
    ticketWatchers(ticket.id).then(setWatchers, () => setWatchers([]));
  }, [ticket.id, ticket.updated_at]);
  return (
    <aside class="drawer" aria-labelledby="drawer-title">
      <div class="drawer-head">
        <h2 id="drawer-title">{ticket.subject || 'Ticket'}</h2>
        <button type="button" class="btn ghost small" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="muted">
        {ticket.visitor_name || (ticket.conversation_id ? 'Visitor' : 'No requester')}
        {ticket.visitor_email ? ` · ${ticket.visitor_email}` : ''} ·{' '}
        {ticket.conversation_id ? (
          <button type="button" class="link" onClick={() => onOpenChat(ticket.conversation_id)}>
            open the chat
          </button>
        ) : (
          'no chat yet'
        )}
      </p>
      <Requester ticket={ticket} onError={setError} />
      <p>
        <button
          type="button"
          class="btn secondary small"
          aria-pressed={watchers.includes(me)}
          onClick={() => watchTicket(ticket.id, !watchers.includes(me)).then(setWatchers, () => undefined)}
        >
          {watchers.includes(me) ? 'Watching' : 'Watch'}
        </button>{' '}
        <span class="muted">{watchers.length === 1 ? '1 agent watches it' : `${watchers.length} agents watch it`}</span>
      </p>
      <form
        key={ticket.updated_at}
        class="drawer-form"
        aria-label="Ticket fields"
        onSubmit={(e) => {
          e.preventDefault();
          const f = e.currentTarget.elements;
          const v = (n: string) => (f.namedItem(n) as HTMLInputElement).value;
          const due = v('due_at');
          setError('');
          setSaved(false);
          updateTicket(ticket.id, {
            subject: v('subject'),
            priority: v('priority') as Priority,
            type: v('type'),
            due_at: due ? new Date(due).toISOString() : '',
            tags: v('tags')
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
            description: v('description'),
            public: (f.namedItem('public') as HTMLInputElement).checked,
            // Only a change: a list not loaded yet must not clear it.
            ...(v('department_id') !== (ticket.department_id ?? '') ? { department_id: v('department_id') } : {}),
          }).then(
            () => setSaved(true),
            (err: unknown) => setError(err instanceof ApiError ? err.message : 'The ticket could not be saved. Try again.'),
          );
        }}
      >
        <label class="field">
          Subject
          <input name="subject" defaultValue={ticket.subject} required />
        </label>
        <div class="drawer-row">
          <label class="field">
            Priority
            <select name="priority">
              <Options values={PRIORITIES} selected={ticket.priority} />
            </select>
          </label>
          <label class="field">
            Type
            <select name="type">
              <option value="">none</option>
              <Options values={types} selected={ticket.type ?? ''} />
            </select>
          </label>
        </div>
        <div class="drawer-row">
          <label class="field">
            Due
            <input name="due_at" type="datetime-local" defaultValue={localInput(ticket.due_at)} />
          </label>
          <label class="field">
            Department
            <select name="department_id">
              <option value="">none</option>
              {ticket.department_id && !departments.some((d) => d.id === ticket.department_id) && (
                <option value={ticket.department_id} selected>
                  its department
                </option>
              )}
              {departments.map((d) => (
                <option key={d.id} value={d.id} selected={d.id === ticket.department_id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label class="field">
          Tags <span class="muted">(comma-separated)</span>
          <input name="tags" defaultValue={ticket.tags.join(', ')} />
        </label>
        <label class="field">
          Description
          <textarea name="description" rows={4} defaultValue={ticket.description ?? ''} />
        </label>
        <label class="check">
          <input name="public" type="checkbox" defaultChecked={ticket.public} />
          The customer follows it in the widget (subject and status only)
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="drawer-row">
          <button type="submit" class="btn primary small">
            Save ticket
          </button>
          {saved && (
            <span class="saved" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
      {ticket.merged_into ? (
        <p class="notice">
          Merged into another ticket.{' '}
          <button type="button" class="link" onClick={() => onOpen(ticket.merged_into ?? '')}>
            Open it
          </button>
        </p>
      ) : (
        ticket.status === 'open' &&
        others.length > 0 && (
          <form
            class="drawer-row"
            aria-label="Merge a duplicate"
            onSubmit={(e) => {
              e.preventDefault();
              const from = (e.currentTarget.elements.namedItem('from') as HTMLSelectElement).value;
              setError('');
              mergeTicket(ticket.id, from).then(
                () => setSaved(true),
                (err: unknown) => setError(err instanceof ApiError ? err.message : 'The tickets could not be merged. Try again.'),
              );
            }}
          >
            <label class="field">
              Merge a duplicate into this one
              <select name="from">
                {others.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.subject || o.visitor_name || 'Ticket'}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="btn secondary small">
              Merge
            </button>
          </form>
        )
      )}
      <h3>Chats ({chats.length})</h3>
      {ticket.status === 'open' && mine.length > 0 && (
        <form
          class="drawer-row"
          aria-label="Link a chat"
          onSubmit={(e) => {
            e.preventDefault();
            const conv = (e.currentTarget.elements.namedItem('conversation') as HTMLSelectElement).value;
            setError('');
            linkChat(ticket.id, conv).then(
              () => setSaved(true),
              (err: unknown) => setError(err instanceof ApiError ? err.message : 'The chat could not be linked. Try again.'),
            );
          }}
        >
          <label class="field">
            Link one of your chats
            <select name="conversation">
              {mine.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}: {c.last_message || 'no messages'}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="btn secondary small">
            Link
          </button>
        </form>
      )}
      <ul class="drawer-history drawer-chats">
        {chats.map((c) => (
          <li key={c.id}>
            <button type="button" class="link" onClick={() => onOpenChat(c.id)}>
              {c.last_message || 'No messages'}
            </button>{' '}
            <span class="muted">· {c.status}</span>
          </li>
        ))}
      </ul>
      <h3>History</h3>
      <ol class="drawer-history">
        {history.map((e) => (
          <li key={e.id}>
            <strong>{e.actor_name || 'Someone'}</strong> {describe(e)} <span class="muted">· {shortTime(e.created_at)}</span>
          </li>
        ))}
        {history.length === 0 && <li class="muted">Nothing yet.</li>}
      </ol>
    </aside>
  );
}
