// The contact of the visitor on screen, in the details panel: who they
// are (vouched for by the site, or only claimed), their other
// conversations (one click opens one), and the way to their page. Its own
// chunk, loaded when a visitor with a contact is shown.
import { useEffect, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import { ApiError } from '../api';
import type { DeskStore } from '../store';
import { type Contact, type ContactPage, getContact, updateContact } from './api';
import './contacts.css';

export function ContactCard({ store, contactId, conversationId }: { store: DeskStore; contactId: string; conversationId: string }) {
  const [page, setPage] = useState<ContactPage | null>(null);
  const [failed, setFailed] = useState(false);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    setPage(null);
    setEditing(false);
    getContact(contactId).then(setPage, () => setFailed(true));
  }, [contactId]);
  // Changed here or on another desk: read it again.
  const ev = store.contactChanged.value;
  useEffect(() => {
    if (ev && page && ev.contact.id === page.contact.id && ev.contact.updated_at !== page.contact.updated_at) {
      getContact(contactId).then(setPage, () => setFailed(true));
    }
  }, [ev]);
  if (failed) return null;
  if (!page) return <p class="muted pad">Loading the contact…</p>;
  const c = page.contact;
  const others = page.conversations.filter((x) => x.id !== conversationId).slice(0, 5);
  const now = store.now.value;
  return (
    <section class="card contact-card" aria-labelledby="contact-card-title">
      <h3 id="contact-card-title">Contact</h3>
      {editing ? (
        <CardEdit
          contact={c}
          onDone={(saved) => {
            if (saved) setPage({ ...page, contact: saved });
            setEditing(false);
          }}
        />
      ) : (
        <>
      <p>
        <strong>{c.name || c.email || 'Unnamed'}</strong>{' '}
        {c.external_id ? (
          <span class="pill green" title="The site vouched for this person's ID (identify with a hash)">
            Verified ID
          </span>
        ) : (
          c.claimed && (
            <span class="pill" title="What the visitor typed (an offline form): not vouched for by the site">
              Claimed
            </span>
          )
        )}
      </p>
      {c.email && <p class="url">{c.email}</p>}
      {c.phone && <p class="url">{c.phone}</p>}
      {Object.entries(c.fields)
        .slice(0, 6)
        .map(([k, f]) => (
          <p key={k} class="url">
            {k}: {String(f.value)}
          </p>
        ))}
      <button type="button" class="link" onClick={() => setEditing(true)}>
        Edit name, e-mail, phone
      </button>
        </>
      )}
      <h3>Other conversations</h3>
      {others.length === 0 ? (
        <p class="muted">None before this one.</p>
      ) : (
        <ul class="contact-list">
          {others.map((o) => (
            <li key={o.id}>
              <button type="button" class="link" onClick={() => store.open(o.id)}>
                {o.last_message || 'No messages'}
              </button>{' '}
              <span class="muted">· {since(o.last_activity_at, now)}</span>
            </li>
          ))}
        </ul>
      )}
      <a href={`#/contacts/${encodeURIComponent(c.id)}`}>Open the contact’s page (edit fields, tickets, pages)</a>
    </section>
  );
}

/** The contact's name, e-mail and phone, edited beside the chat (PATCH /api/v1/contacts/{id}). */
function CardEdit({ contact, onDone }: { contact: Contact; onDone: (saved: Contact | null) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card-edit"
      aria-label="Edit the contact"
      onSubmit={(e) => {
        e.preventDefault();
        const f = e.currentTarget.elements;
        const value = (n: string) => (f.namedItem(n) as HTMLInputElement).value.trim();
        setBusy(true);
        updateContact(contact.id, { name: value('name'), email: value('email'), phone: value('phone') })
          .then(onDone, (err: unknown) => setError(err instanceof ApiError ? err.message : 'The contact could not be saved. Try again.'))
          .finally(() => setBusy(false));
      }}
    >
      <label class="field">
        Name
        <input name="name" defaultValue={contact.name} />
      </label>
      <label class="field">
        E-mail
        <input name="email" type="email" defaultValue={contact.email} />
      </label>
      <label class="field">
        Phone
        <input name="phone" type="tel" defaultValue={contact.phone} />
      </label>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <span class="card-edit-buttons">
        <button type="submit" class="btn primary small" disabled={busy}>
          Save
        </button>
        <button type="button" class="btn ghost small" onClick={() => onDone(null)}>
          Cancel
        </button>
      </span>
    </form>
  );
}
