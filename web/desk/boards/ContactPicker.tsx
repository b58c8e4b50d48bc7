// Finds a contact by name or e-mail as the agent types, for a ticket's
// requester (a new ticket's, or a ticket's drawer). Part of the boards
// chunk.
import { useEffect, useState } from 'preact/hooks';
import type { Contact } from '../../shared/protocol';
import { listContacts } from '../contacts/api';

export function ContactPicker({ id, label, onPick }: { id: string; label: string; onPick: (c: Contact) => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  // Contacts matching what is typed, a moment after the last key.
  useEffect(() => {
    if (q.trim().length < 2) {
      setFound([]);
      return;
    }
    const timer = setTimeout(() => listContacts(q.trim(), 'name').then((r) => setFound(r.items.slice(0, 6)), () => setFound([])), 200);
    return () => clearTimeout(timer);
  }, [q]);
  return (
    <div class="field contact-picker">
      <label for={id}>{label}</label>
      <input id={id} type="search" placeholder="Name or e-mail" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {found.length > 0 && (
        <ul class="picker" aria-label="Matching contacts">
          {found.map((c) => (
            <li key={c.id}>
              <button type="button" class="link" onClick={() => onPick(c)}>
                {c.name || c.email} {c.name && c.email && <span class="muted">{c.email}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
