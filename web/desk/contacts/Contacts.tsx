// Contacts (issue 14): every known person, searchable, and a contact's
// page with its profile, typed custom fields, conversations, tickets,
// visitors and pages; merging, export and erasure. Its own chunk, loaded
// when first opened (Desk.tsx).
import { useEffect, useRef, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import { MAX_NAME } from '../admin/api';
import { ApiError } from '../api';
import { Markdown } from '../Markdown';
import { go, href } from '../router';
import { MANAGE_ANY, MANAGE_CONTACTS } from '../permissions';
import type { DeskStore } from '../store';
import {
  type Contact,
  type ContactField,
  type ContactPage,
  type ContactSort,
  createContact,
  eraseContact,
  exportURL,
  type FieldType,
  getContact,
  listContacts,
  mergeContact,
  updateContact,
} from './api';
import './contacts.css';

const message = (err: unknown) => (err instanceof ApiError ? err.message : 'Live Desk cannot be reached. Try again.');

export function Contacts({ store, id }: { store: DeskStore; id: string }) {
  return id ? <ContactView key={id} store={store} id={id} /> : <ContactList store={store} />;
}

function ContactList({ store }: { store: DeskStore }) {
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<ContactSort>('name');
  const [items, setItems] = useState<Contact[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const seq = useRef(0);
  const load = (after?: string) => {
    const n = ++seq.current;
    listContacts(q.trim(), sort, after)
      .then((p) => {
        if (n !== seq.current) return;
        setItems((cur) => (after && cur ? [...cur, ...p.items] : p.items));
        setNext(p.next_after);
        setError('');
      })
      .catch((err: unknown) => n === seq.current && setError(message(err)));
  };
  useEffect(() => {
    const t = setTimeout(() => load(), q ? 250 : 0);
    return () => clearTimeout(t);
  }, [q, sort]);
  // Another desk's change to a listed contact shows at once (a merged or
  // erased one leaves the list).
  const ev = store.contactChanged.value;
  useEffect(() => {
    if (!ev) return;
    const gone = ev.erased || !!ev.contact.merged_into;
    setItems((cur) => cur && (gone ? cur.filter((x) => x.id !== ev.contact.id) : cur.map((x) => (x.id === ev.contact.id ? ev.contact : x))));
  }, [ev]);
  const now = store.now.value;
  return (
    <main class="contacts" aria-labelledby="contacts-title">
      <header class="contacts-head">
        <h1 id="contacts-title">Contacts</h1>
        <input type="search" aria-label="Search contacts" placeholder="Name, e-mail, phone, id or a field" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <label>
          Sort{' '}
          <select value={sort} onChange={(e) => setSort(e.currentTarget.value as ContactSort)}>
            <option value="name">Name</option>
            <option value="created">Newest</option>
            <option value="updated">Recently changed</option>
          </select>
        </label>
        <button type="button" class="btn primary small" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          New contact
        </button>
      </header>
      {adding && <NewContact onCreated={(c) => go({ area: 'contacts', id: c.id })} />}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="empty-state small">{q ? 'No contact matches.' : 'No contacts yet. Visitors who identify, or leave an e-mail address, become contacts.'}</p>}
      {items && items.length > 0 && (
        <table class="contact-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Phone</th>
              <th scope="col">External id</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`#/contacts/${encodeURIComponent(c.id)}`}>{c.name || c.email || c.phone || c.external_id || 'Unnamed'}</a>
                </td>
                <td>{c.email}</td>
                <td>{c.phone}</td>
                <td>{c.external_id}</td>
                <td class="muted">{since(c.updated_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="btn secondary" onClick={() => load(next)}>
          More contacts
        </button>
      )}
    </main>
  );
}

function NewContact({ onCreated }: { onCreated: (c: Contact) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      class="contact-new inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        createContact({ name: name.trim(), email: email.trim() })
          .then(onCreated)
          .catch((err: unknown) => setError(message(err)));
      }}
    >
      <input aria-label="Name" placeholder="Name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <input aria-label="E-mail" placeholder="E-mail" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      <button type="submit" class="btn primary small">
        Add contact
      </button>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const STATUS: Record<string, string> = { open: 'Live', pending: 'Pending', snoozed: 'Snoozed', closed: 'Closed' };

function ContactView({ store, id }: { store: DeskStore; id: string }) {
  const [page, setPage] = useState<ContactPage | null>(null);
  const [error, setError] = useState('');
  // A merge changes the profile under the form: it is made again then.
  const [merges, setMerges] = useState(0);
  const load = () =>
    getContact(id)
      .then((p) => {
        setPage(p);
        setError('');
        if (p.contact.id !== id) go({ area: 'contacts', id: p.contact.id }); // a merged trace
      })
      .catch((err: unknown) => setError(message(err)));
  useEffect(() => void load(), [id]);
  // Another desk changed this contact: read it again (the form too); our
  // own save came back already (same updated_at).
  const ev = store.contactChanged.value;
  const [changedElsewhere, setChangedElsewhere] = useState(false);
  // While this desk saves, the echo of its own save is no change to read:
  // the answer brings the contact as saved (and the form keeps its state).
  const saving = useRef(false);
  useEffect(() => {
    if (!ev || !page || saving.current || ev.contact.id !== page.contact.id || ev.contact.updated_at === page.contact.updated_at) return;
    if (ev.erased) {
      go({ area: 'contacts', id: '' });
      return;
    }
    void load().then(() => {
      setMerges((n) => n + 1);
      setChangedElsewhere(true);
    });
  }, [ev]);
  const now = store.now.value;
  if (!page) {
    return (
      <main class="contacts">
        <a href="#/contacts">← All contacts</a>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </main>
    );
  }
  const c = page.contact;
  const openChat = (convId: string) => {
    go({ area: 'live' });
    store.open(convId);
  };
  return (
    <main class="contacts" aria-labelledby="contact-title">
      <a href="#/contacts">← All contacts</a>
      <h1 id="contact-title">{c.name || c.email || 'Unnamed contact'}</h1>
      <p class="muted">
        {c.external_id ? `Identified by the site as ${c.external_id}` : c.claimed ? 'Claimed: made from an address the visitor typed' : 'Added by an agent'} · added{' '}
        {since(c.created_at, now) === 'now' ? 'just now' : `${since(c.created_at, now)} ago`}
      </p>
      {changedElsewhere && (
        <p class="notice" role="status">
          This contact was changed (here or on another desk): it shows as it is now.
        </p>
      )}
      <div class="contact-grid">
        <Profile
          key={merges}
          contact={c}
          onSaving={(on) => (saving.current = on)}
          onSaved={(x) => {
            setPage({ ...page, contact: x });
            setChangedElsewhere(false);
          }}
        />
        <section aria-labelledby="contact-chats">
          <h2 id="contact-chats">Conversations</h2>
          {page.conversations.length === 0 ? (
            <p class="muted">None yet.</p>
          ) : (
            <ul class="contact-list">
              {page.conversations.map((v) => (
                <li key={v.id}>
                  <button type="button" class="link" onClick={() => openChat(v.id)}>
                    {v.last_message || 'No messages'}
                  </button>
                  <span class="muted">
                    {' '}
                    · {STATUS[v.status]} · {since(v.last_activity_at, now)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h2>Tickets</h2>
          {page.tickets.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="contact-list">
              {page.tickets.map((t) => (
                <li key={t.id}>
                  {t.conversation_id ? (
                    <button type="button" class="link" onClick={() => openChat(t.conversation_id)}>
                      {t.subject || t.last_message || 'Ticket'}
                    </button>
                  ) : (
                    <a href={href({ area: 'boards', id: '' })}>{t.subject || 'Ticket'}</a>
                  )}
                  <span class="muted"> · {t.status === 'open' ? (t.assignee_id ? 'assigned' : 'waiting') : 'closed'}</span>
                </li>
              ))}
            </ul>
          )}
          <h2>Notes</h2>
          {page.comments.length === 0 ? (
            <p class="muted">No internal notes in their conversations.</p>
          ) : (
            <ul class="contact-list contact-notes">
              {page.comments.map((m) => (
                <li key={m.id}>
                  <Markdown text={m.body} />
                  <span class="muted">
                    {' '}
                    · {m.author_name || 'An agent'} ·{' '}
                    <button type="button" class="link" onClick={() => openChat(m.conversation_id)}>
                      {since(m.created_at, now)} ago
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h2>Browsers</h2>
          {page.visitors.length === 0 ? (
            <p class="muted">None linked.</p>
          ) : (
            <ul class="contact-list">
              {page.visitors.map((v) => (
                <li key={v.id}>
                  {store.siteNames.value.get(v.site_id) ?? 'Site'} · {v.online ? 'online now' : `last seen ${since(v.last_seen_at, now)} ago`}
                </li>
              ))}
            </ul>
          )}
          <h2>Pages seen</h2>
          {page.pages.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="contact-list">
              {page.pages.slice(0, 20).map((p, i) => (
                <li key={i}>
                  {p.title || p.url} <span class="muted">· {since(p.viewed_at, now)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {store.can(MANAGE_ANY) && (
        <Merge
          contact={c}
          onMerged={() =>
            void load().then(() => setMerges((n) => n + 1))
          }
        />
      )}
      {store.can(MANAGE_CONTACTS) && <DataRequests contact={c} />}
    </main>
  );
}

const TYPES: FieldType[] = ['text', 'number', 'date', 'boolean', 'link'];
type Row = { key: string; type: FieldType; value: string };

function rowsOf(fields: Record<string, ContactField>): Row[] {
  return Object.entries(fields)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, f]) => ({ key, type: f.type, value: String(f.value) }));
}

/** The rows as fields, with each value in its type. */
function fieldsOf(rows: Row[]): Record<string, ContactField> {
  const out: Record<string, ContactField> = {};
  for (const r of rows) {
    if (!r.key.trim()) continue;
    const value = r.type === 'number' ? Number(r.value) : r.type === 'boolean' ? r.value === 'true' : r.value;
    out[r.key.trim()] = { type: r.type, value };
  }
  return out;
}

function Profile({ contact, onSaving, onSaved }: { contact: Contact; onSaving: (on: boolean) => void; onSaved: (c: Contact) => void }) {
  const [name, setName] = useState(contact.name);
  const [email, setEmail] = useState(contact.email);
  const [phone, setPhone] = useState(contact.phone);
  const [externalId, setExternalId] = useState(contact.external_id);
  const [rows, setRows] = useState<Row[]>(rowsOf(contact.fields));
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const set = (i: number, r: Partial<Row>) => setRows(rows.map((x, j) => (j === i ? { ...x, ...r } : x)));
  return (
    <form
      class="contact-profile"
      aria-label="Profile"
      onSubmit={(e) => {
        e.preventDefault();
        setStatus('');
        onSaving(true);
        updateContact(contact.id, { name, email, phone, external_id: externalId, fields: fieldsOf(rows) })
          .then((c) => {
            onSaved(c);
            setError('');
            setStatus('Saved');
          })
          .catch((err: unknown) => setError(message(err)))
          .finally(() => onSaving(false));
      }}
    >
      <h2>Profile</h2>
      <label>
        Name
        <input value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        E-mail
        <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label>
        Phone
        <input type="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
      </label>
      <label>
        External id
        <input value={externalId} onInput={(e) => setExternalId(e.currentTarget.value)} />
      </label>
      <fieldset class="contact-fields">
        <legend>Custom fields</legend>
        {rows.map((r, i) => (
          <div class="field-row" key={i}>
            <input aria-label="Field name" placeholder="plan" value={r.key} onInput={(e) => set(i, { key: e.currentTarget.value })} />
            <select aria-label={`Type of ${r.key || 'the field'}`} value={r.type} onChange={(e) => set(i, { type: e.currentTarget.value as FieldType })}>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            {r.type === 'boolean' ? (
              <select aria-label={`Value of ${r.key || 'the field'}`} value={r.value} onChange={(e) => set(i, { value: e.currentTarget.value })}>
                <option value="true">yes</option>
                <option value="false">no</option>
              </select>
            ) : (
              <input
                aria-label={`Value of ${r.key || 'the field'}`}
                type={r.type === 'number' ? 'number' : r.type === 'date' ? 'date' : r.type === 'link' ? 'url' : 'text'}
                value={r.value}
                onInput={(e) => set(i, { value: e.currentTarget.value })}
              />
            )}
            {r.type === 'link' && /^https?:\/\//.test(r.value) && (
              <a href={r.value} target="_blank" rel="noopener noreferrer nofollow">
                open
              </a>
            )}
            <button type="button" class="btn ghost small" aria-label={`Remove ${r.key || 'the field'}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="btn secondary small" onClick={() => setRows([...rows, { key: '', type: 'text', value: '' }])}>
          Add a field
        </button>
      </fieldset>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="prefs-buttons">
        <button type="submit" class="btn primary">
          Save contact
        </button>
        {status && (
          <span class="saved" role="status">
            {status}
          </span>
        )}
      </div>
    </form>
  );
}

/** Merges a duplicate into this contact (supervisors and above). */
function Merge({ contact, onMerged }: { contact: Contact; onMerged: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    if (q.trim().length < 2) return setFound([]);
    const t = setTimeout(() => {
      listContacts(q.trim(), 'name')
        .then((p) => setFound(p.items.filter((x) => x.id !== contact.id).slice(0, 5)))
        .catch(() => setFound([]));
    }, 250);
    return () => clearTimeout(t);
  }, [q]);
  return (
    <section class="contact-merge" aria-labelledby="merge-title">
      <h2 id="merge-title">Merge a duplicate into this contact</h2>
      <p class="muted">Its conversations, tickets and browsers move here; what this contact lacks is filled from it. The duplicate stays as a trace that leads here.</p>
      <input type="search" aria-label="Find the duplicate" placeholder="Find the duplicate" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <ul class="contact-list">
        {found.map((d) => (
          <li key={d.id}>
            {d.name || d.email || d.phone} <span class="muted">{d.email}</span>{' '}
            <button
              type="button"
              class="btn secondary small"
              onClick={() =>
                mergeContact(contact.id, d.id)
                  .then(() => {
                    setQ('');
                    setError('');
                    onMerged();
                  })
                  .catch((err: unknown) => setError(message(err)))
              }
            >
              Merge into {contact.name || 'this contact'}
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** Export and erasure (owners and admins). */
function DataRequests({ contact }: { contact: Contact }) {
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState('');
  return (
    <section class="danger-zone" aria-labelledby="data-title">
      <h2 id="data-title">Data requests</h2>
      <a class="btn secondary small" href={exportURL(contact.id)} download>
        Export everything (JSON)
      </a>{' '}
      {!confirm ? (
        <button type="button" class="btn ghost danger-text small" onClick={() => setConfirm(true)}>
          Erase this contact…
        </button>
      ) : (
        <span class="confirm" role="alertdialog" aria-label="Erase this contact">
          Its browsers, conversations (every message) and tickets are deleted for good.{' '}
          <button
            type="button"
            class="btn danger small"
            onClick={() =>
              eraseContact(contact.id)
                .then(() => go({ area: 'contacts', id: '' }))
                .catch((err: unknown) => setError(message(err)))
            }
          >
            Erase
          </button>{' '}
          <button type="button" class="btn ghost small" onClick={() => setConfirm(false)}>
            Cancel
          </button>
        </span>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
