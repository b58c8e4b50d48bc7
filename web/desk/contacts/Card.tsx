// The contact of the visitor on screen, in the details panel: who they
// are (vouched for by the site, or only claimed), their other
// conversations (one click opens one), and the way to their page. Its own
// chunk, loaded when a visitor with a contact is shown.
import { useEffect, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import type { DeskStore } from '../store';
import { type ContactPage, getContact } from './api';
import './contacts.css';

export function ContactCard({ store, contactId, conversationId }: { store: DeskStore; contactId: string; conversationId: string }) {
  const [page, setPage] = useState<ContactPage | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setPage(null);
    getContact(contactId).then(setPage, () => setFailed(true));
  }, [contactId]);
  if (failed) return null;
  if (!page) return <p class="muted pad">Loading the contact…</p>;
  const c = page.contact;
  const others = page.conversations.filter((x) => x.id !== conversationId).slice(0, 5);
  const now = store.now.value;
  return (
    <section class="card contact-card" aria-labelledby="contact-card-title">
      <h3 id="contact-card-title">Contact</h3>
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
